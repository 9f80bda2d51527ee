namespace ClipSharp.Tensors.Kernels;

public static class QuickGeluBackward
{
    // y = x·σ(1.702x), so dy/dx = σ + 1.702·x·σ·(1 − σ). x: the forward input; dx may alias dy.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, x.Length, nameof(dy), $"[n={x.Length}]");
        KernelArgs.Length(dx.Length, x.Length, nameof(dx), $"[n={x.Length}]");
        for (int i = 0; i < x.Length; i++)
        {
            float s = 1f / (1f + MathF.Exp(-1.702f * x[i]));
            dx[i] = dy[i] * (s + (1.702f * x[i] * s * (1f - s)));
        }
    }
}

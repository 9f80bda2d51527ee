namespace ClipSharp.Tensors.Kernels;

public static class ReluBackward
{
    // y: the forward output (y > 0 exactly where x > 0); dx may alias dy.
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, y.Length, nameof(dy), $"[n={y.Length}]");
        KernelArgs.Length(dx.Length, y.Length, nameof(dx), $"[n={y.Length}]");
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }
}

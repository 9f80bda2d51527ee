namespace ClipSharp.Tensors.Kernels;

public static class GeluBackward
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    // Exact GELU y = x·Φ(x), so dy/dx = Φ(x) + x·φ(x). x: the forward input; dx may alias dy.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, x.Length, nameof(dy), $"[n={x.Length}]");
        KernelArgs.Length(dx.Length, x.Length, nameof(dx), $"[n={x.Length}]");
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            float cdf = 0.5f * (1f + VectorErf.Erf(v * InvSqrt2));
            float pdf = InvSqrt2Pi * MathF.Exp(-0.5f * v * v);
            dx[i] = dy[i] * (cdf + (v * pdf));
        }
    }
}

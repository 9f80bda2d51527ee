using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class QuickGelu
{
    // Vector operations per element (the exponential, a division): MapChunks' fork threshold.
    private const int Cost = 24;

    // x·σ(1.702x) = x / (1 + e^(−1.702x)). y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        KernelArgs.Length(y.Length, x.Length, nameof(y), "x");
        Forward(x, y, KernelIsas.Best);
    }

    internal static void Forward(ReadOnlySpan<float> x, Span<float> y, KernelIsa isa)
        => UnaryMap.RunParallel(default(QuickGeluOperator), x, y, Cost, isa);
}

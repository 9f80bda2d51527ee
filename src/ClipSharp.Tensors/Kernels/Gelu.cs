using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class Gelu
{
    // Vector operations per element (erf's rational approximation): MapChunks' fork threshold.
    private const int Cost = 32;

    // Exact GELU 0.5·x·(1 + erf(x/√2)), accurate in relative terms in the negative tail (GeluOperator).
    // y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        KernelArgs.Length(y.Length, x.Length, nameof(y), "x");
        Forward(x, y, KernelIsas.Best);
    }

    internal static void Forward(ReadOnlySpan<float> x, Span<float> y, KernelIsa isa)
        => UnaryMap.RunParallel(default(GeluOperator), x, y, Cost, isa);
}

using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class Relu
{
    // y may alias x. NaN maps to 0, as x > 0 ? x : 0 does.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        KernelArgs.Length(y.Length, x.Length, nameof(y), "x");
        Forward(x, y, KernelIsas.Best);
    }

    internal static void Forward(ReadOnlySpan<float> x, Span<float> y, KernelIsa isa)
        => UnaryMap.RunParallel(default(ReluOperator), x, y, 1, isa);
}

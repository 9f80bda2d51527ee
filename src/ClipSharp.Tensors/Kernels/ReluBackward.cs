using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class ReluBackward
{
    // y: the forward output (y > 0 exactly where x > 0); dx may alias dy.
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, y.Length, nameof(dy), $"[n={y.Length}]");
        KernelArgs.Length(dx.Length, y.Length, nameof(dx), $"[n={y.Length}]");
        Backward(y, dy, dx, KernelIsas.Best);
    }

    internal static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, KernelIsa isa)
        => BinaryMap.RunParallel(default(ReluBackwardOperator), y, dy, dx, 1, isa);
}

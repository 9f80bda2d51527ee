using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class QuickGeluBackward
{
    // Vector operations per element: MapChunks' fork threshold.
    private const int Cost = 28;

    // y = x·σ(1.702x), so dy/dx = σ + 1.702·x·σ·(1 − σ). x: the forward input; dx may alias dy.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, x.Length, nameof(dy), $"[n={x.Length}]");
        KernelArgs.Length(dx.Length, x.Length, nameof(dx), $"[n={x.Length}]");
        Backward(x, dy, dx, KernelIsas.Best);
    }

    internal static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, KernelIsa isa)
        => BinaryMap.RunParallel(default(QuickGeluBackwardOperator), x, dy, dx, Cost, isa);
}

using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class GeluBackward
{
    // Vector operations per element: MapChunks' fork threshold.
    private const int Cost = 40;

    // Exact GELU y = x·Φ(x), so dy/dx = Φ(x) + x·φ(x). x: the forward input; dx may alias dy.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, x.Length, nameof(dy), $"[n={x.Length}]");
        KernelArgs.Length(dx.Length, x.Length, nameof(dx), $"[n={x.Length}]");
        Backward(x, dy, dx, KernelIsas.Best);
    }

    internal static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, KernelIsa isa)
        => BinaryMap.RunParallel(default(GeluBackwardOperator), x, dy, dx, Cost, isa);
}

using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// z = x + y over whole activations (residual connections and their gradients), spread over the engine's threads.
/// A sum is exact per element, so the bits are those of any serial add.
/// </summary>
public static class Add
{
    // z may alias x or y exactly.
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
    {
        KernelArgs.Length(y.Length, x.Length, nameof(y), $"[n={x.Length}]");
        KernelArgs.Length(z.Length, x.Length, nameof(z), $"[n={x.Length}]");
        Run(x, y, z, KernelIsas.Best);
    }

    internal static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, KernelIsa isa)
        => BinaryMap.RunParallel(default(AddOperator), x, y, z, 1, isa);
}

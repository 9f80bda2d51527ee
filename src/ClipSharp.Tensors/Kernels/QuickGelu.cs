using System.Runtime.InteropServices;
using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class QuickGelu
{
    // x·σ(1.702x) = x / (1 + e^(−1.702x)). y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        KernelArgs.Length(y.Length, x.Length, nameof(y), "x");
        Forward(x, y, KernelIsas.Best);
    }

    internal static void Forward(ReadOnlySpan<float> x, Span<float> y, KernelIsa isa)
        => UnaryMap.Run(default(QuickGeluOperator), ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length, isa);
}

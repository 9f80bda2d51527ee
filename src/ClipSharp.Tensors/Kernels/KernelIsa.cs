using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// The instruction set a kernel runs on: a vector width (Kernels/Simd), or none. Public entry points use Best,
// the widest accelerated width (Vector128 is NEON on ARM64; on x64 only tests select it); tests call the
// internal overloads with each supported value so that every vector path and scalar tail is exercised.
internal enum KernelIsa
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

internal static class KernelIsas
{
    public static KernelIsa Best { get; } =
        Vector512.IsHardwareAccelerated ? KernelIsa.Vector512
        : Vector256.IsHardwareAccelerated ? KernelIsa.Vector256
        : Vector128.IsHardwareAccelerated ? KernelIsa.Vector128
        : KernelIsa.Scalar;

    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => Vector512.IsHardwareAccelerated,
        KernelIsa.Vector256 => Vector256.IsHardwareAccelerated,
        KernelIsa.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };
}

using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
        : Vector128.IsHardwareAccelerated && HasFusedMultiplyAdd ? KernelIsa.Vector128
        : KernelIsa.Scalar;

    // Every vector kernel is built on fused multiply-add. An x64 CPU with 128-bit vectors but no FMA unit
    // would run it as a software fallback, far slower than the scalar kernels, so there Best stays Scalar.
    private static bool HasFusedMultiplyAdd => AdvSimd.IsSupported || Fma.IsSupported;

    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => Vector512.IsHardwareAccelerated,
        KernelIsa.Vector256 => Vector256.IsHardwareAccelerated,
        KernelIsa.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };
}

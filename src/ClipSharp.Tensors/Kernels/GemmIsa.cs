using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Tensors.Kernels;

/// <summary>The instruction set a <see cref="Gemm"/> call runs on; tests force each one to compare it with the oracle.</summary>
internal enum GemmIsa
{
    Scalar,
    Avx2,
    Avx512,
}

internal static class GemmIsaSupport
{
    /// <summary>The widest path this CPU runs.</summary>
    public static GemmIsa Best { get; } =
        Avx512F.IsSupported ? GemmIsa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Avx2
        : GemmIsa.Scalar;

    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Scalar => true,
        GemmIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        GemmIsa.Avx512 => Avx512F.IsSupported,
        _ => false,
    };
}

using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Bench;

/// <summary>
/// The settings a peer process runs under, and only a peer: ours always runs with the environment the user gave it.
/// </summary>
internal static class PeerEnvironment
{
    /// <summary>
    /// True when the CPU has AVX-512 but this runtime was told not to use it (<c>DOTNET_EnableAVX512=0</c>), the
    /// stand-in for an AVX2-only machine. The PyTorch peer is then held to AVX2 as well, so that both sides run
    /// 256-bit kernels; ONNX Runtime has no such switch and keeps its AVX-512 kernels.
    /// </summary>
    public static bool Avx2StandIn { get; } = Machine.CpuHasFlag("avx512f") && !Avx512F.IsSupported;

    /// <summary>
    /// OpenBLAS's core type for this CPU, or null to let OpenBLAS detect it. SkylakeX names OpenBLAS's AVX-512
    /// kernels, which its detection misses on newer parts (Zen 5); on a CPU without AVX-512 those kernels die
    /// with SIGILL, so there the peer keeps its own detection. Haswell (AVX2 + FMA) in the AVX2 stand-in.
    /// </summary>
    public static string? OpenBlasCoreType { get; } = Avx2StandIn ? "Haswell" : Machine.CpuHasFlag("avx512f") ? "SkylakeX" : null;

    // oneDNN (PyTorch's convolutions) detects its instruction set itself; the stand-in caps it at AVX2 too.
    private static string? OneDnnMaxIsa { get; } = Avx2StandIn ? "AVX2" : null;

    public static string Describe()
        => $"OMP_WAIT_POLICY=PASSIVE OPENBLAS_CORETYPE={OpenBlasCoreType ?? "(OpenBLAS detects)"}"
            + (OneDnnMaxIsa is { } isa ? $" ONEDNN_MAX_CPU_ISA={isa}" : "");

    public static void Apply(ProcessStartInfo start)
    {
        // No spinning idle threads on the cores ours is about to use.
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        if (OpenBlasCoreType is { } core)
        {
            start.Environment["OPENBLAS_CORETYPE"] = core;
        }
        else
        {
            start.Environment.Remove("OPENBLAS_CORETYPE");
        }

        if (OneDnnMaxIsa is { } isa)
        {
            start.Environment["ONEDNN_MAX_CPU_ISA"] = isa;
        }
    }

    public static void Clear(ProcessStartInfo start)
    {
        start.Environment.Remove("OMP_WAIT_POLICY");
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("ONEDNN_MAX_CPU_ISA");
    }
}

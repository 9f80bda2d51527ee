using System.Diagnostics;

namespace ClipSharp.Bench;

/// <summary>
/// The settings a peer process runs under, and only a peer: ours always runs with the environment the user gave it.
/// </summary>
internal static class PeerEnvironment
{
    /// <summary>
    /// OpenBLAS's core type for this CPU, or null to let OpenBLAS detect it. SkylakeX names OpenBLAS's AVX-512
    /// kernels, which its detection misses on newer parts (Zen 5); on a CPU without AVX-512 those kernels die
    /// with SIGILL, so there the peer keeps its own detection.
    /// </summary>
    public static string? OpenBlasCoreType { get; } = Machine.CpuHasFlag("avx512f") ? "SkylakeX" : null;

    public static string Describe()
        => $"OMP_WAIT_POLICY=PASSIVE OPENBLAS_CORETYPE={OpenBlasCoreType ?? "(OpenBLAS detects)"}";

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
    }

    public static void Clear(ProcessStartInfo start)
    {
        start.Environment.Remove("OMP_WAIT_POLICY");
        start.Environment.Remove("OPENBLAS_CORETYPE");
    }
}

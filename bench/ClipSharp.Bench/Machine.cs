using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Bench;

/// <summary>The header every benchmark prints first, so that numbers are never read without their machine.</summary>
internal static class Machine
{
    public static void PrintHeader()
    {
        Console.WriteLine($"CPU:        {CpuModel()}");
        Console.WriteLine($"AVX-512:    {(Avx512F.IsSupported ? "yes" : "no")}   AVX2+FMA: {(Avx2.IsSupported && Fma.IsSupported ? "yes" : "no")}");
        Console.WriteLine($"CPU flags:  {SimdFlags()}");
        Console.WriteLine($"Processors: {Environment.ProcessorCount}   ClipSharp MaxThreads default: {ClipSharp.Tensors.Parallelism.MaxThreads}");
        Console.WriteLine($"Runtime:    .NET {Environment.Version}   {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"Kernels:    {ClipSharp.Tensors.Kernels.KernelIsas.Best} (the widest vector width the runtime accelerates here)");
        (double perCore, double total) = FmaPeak.Measure(ClipSharp.Tensors.Parallelism.MaxThreads);
        Console.WriteLine($"FMA peak:   {perCore:F1} GFLOPS on 1 thread, {total:F1} on {ClipSharp.Tensors.Parallelism.MaxThreads} (register-only loop at that width)");
        Console.WriteLine($"Load avg:   {LoadAverage()}");
        Console.WriteLine($"Started:    {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
    }

    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Whether /proc/cpuinfo lists <paramref name="flag"/>: the CPU's own answer, whatever the runtime was told to use.</summary>
    public static bool CpuHasFlag(string flag) => CpuFlags().Contains(flag, StringComparer.Ordinal);

    // The instruction-set flags that decide which kernels run (the full /proc/cpuinfo list is long).
    private static string SimdFlags()
    {
        string[] flags = CpuFlags();
        return flags.Length == 0
            ? "unknown"
            : string.Join(' ', flags.Where(f => f.StartsWith("avx", StringComparison.Ordinal) || f is "fma" or "f16c" or "sse4_2" or "amx_tile" or "asimd" or "fphp" or "asimdhp"));
    }

    // x64 kernels list "flags", ARM64 ones "Features".
    private static string[] CpuFlags()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) || l.StartsWith("Features", StringComparison.Ordinal))
                : null;
            return line is null ? [] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
        }

        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}

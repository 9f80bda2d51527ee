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

    // The instruction-set flags that decide which kernels run (the full /proc/cpuinfo list is long).
    private static string SimdFlags()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))
                : null;
            if (line is null)
            {
                return "unknown";
            }

            string[] flags = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(' ', flags.Where(f => f.StartsWith("avx", StringComparison.Ordinal) || f is "fma" or "f16c" or "sse4_2" or "amx_tile"));
        }
        catch (IOException)
        {
            return "unknown";
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

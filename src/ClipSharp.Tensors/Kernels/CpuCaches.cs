using System.Globalization;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// The per-core L2 size that GEMM blocking is sized against: read once from Linux's sysfs (cpu0's level-2 cache),
/// and 1 MiB, the L2 of Zen 4, Zen 5 and recent Intel cores, where the file is missing or unreadable (other systems).
/// </summary>
internal static class CpuCaches
{
    public const long DefaultL2Bytes = 1L << 20;

    public static long L2Bytes { get; } = ReadL2();

    private static long ReadL2()
    {
        try
        {
            for (int index = 0; index < 8; index++)
            {
                string folder = $"/sys/devices/system/cpu/cpu0/cache/index{index}";
                if (!Directory.Exists(folder))
                {
                    break;
                }

                if (File.ReadAllText(Path.Combine(folder, "level")).Trim() == "2"
                    && ParseSize(File.ReadAllText(Path.Combine(folder, "size"))) is { } bytes)
                {
                    return bytes;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable sysfs is no reason to fail a multiplication; the default blocking is still correct.
        }

        return DefaultL2Bytes;
    }

    /// <summary>A sysfs cache size ("1024K", "2M", "524288"), or null when it is not one.</summary>
    internal static long? ParseSize(string text)
    {
        string s = text.Trim();
        long unit = 1;
        if (s.EndsWith('K'))
        {
            unit = 1L << 10;
        }
        else if (s.EndsWith('M'))
        {
            unit = 1L << 20;
        }

        string digits = unit == 1 ? s : s[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 && value < (1L << 40) / unit
            ? value * unit
            : null;
    }
}

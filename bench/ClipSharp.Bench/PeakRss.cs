namespace ClipSharp.Bench;

/// <summary>The process's peak resident set (VmHWM), the figure `time -v` reports as maximum resident size.</summary>
internal static class PeakRss
{
    public static double MiB()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return double.NaN;
        }

        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return double.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }
}

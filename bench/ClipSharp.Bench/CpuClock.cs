using System.Runtime.InteropServices;

namespace ClipSharp.Bench;

/// <summary>
/// CPU time of the whole process in nanoseconds (CLOCK_PROCESS_CPUTIME_ID). Process.TotalProcessorTime counts
/// in scheduler ticks, too coarse for repetitions of tens of milliseconds.
/// </summary>
internal static partial class CpuClock
{
    private const int ProcessCpuTimeId = 2;

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && TryNow(out _);

    public static double Seconds()
        => TryNow(out double seconds) ? seconds : throw new PlatformNotSupportedException("clock_gettime is unavailable.");

    private static bool TryNow(out double seconds)
    {
        try
        {
            if (clock_gettime(ProcessCpuTimeId, out TimeSpec time) == 0)
            {
                seconds = time.Seconds + (time.Nanoseconds * 1e-9);
                return true;
            }
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }

        seconds = 0;
        return false;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

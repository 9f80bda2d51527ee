using System.Diagnostics;

namespace ClipSharp.Bench;

/// <summary>Warm-up then median-of-repetitions timing.</summary>
internal static class Timing
{
    // Warm-up runs until at least `warmupSeconds` have passed and 3 calls are done, so the JIT has moved the
    // hot loops to Tier-1 (via OSR) and caches/buffers are primed; then returns the median of `reps` timed calls.
    // With cpuClock, a repetition's time is the process CPU time it used divided by `threads`: on a machine shared
    // with other work, that excludes the time the benchmark's threads were descheduled (spinning still counts).
    public static double MedianSeconds(Action action, int reps, bool cpuClock = false, int threads = 1, double warmupSeconds = 0.5)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 3 || watch.Elapsed.TotalSeconds < warmupSeconds; i++)
        {
            action();
        }

        double[] times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            double cpuStart = cpuClock ? CpuClock.Seconds() : 0;
            long start = Stopwatch.GetTimestamp();
            action();
            double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            times[r] = cpuClock ? (CpuClock.Seconds() - cpuStart) / threads : wall;
        }

        Array.Sort(times);
        return times[reps / 2];
    }
}

namespace ClipSharp.Bench;

/// <summary>The options the kernel micro-benchmarks share: thread counts, repetitions, clock and a shape filter.</summary>
internal sealed record KernelBenchOptions(int[] ThreadCounts, int Reps, bool CpuClock, string Shapes)
{
    public static KernelBenchOptions Parse(string[] args, string command, int defaultReps)
    {
        int[] threadCounts = [1, 2];
        int reps = defaultReps;
        string shapes = "all";
        bool cpuClock = false;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--threads":
                    threadCounts = [.. value.Split(',').Select(int.Parse)];
                    break;
                case "--reps":
                    reps = int.Parse(value);
                    break;
                case "--clock":
                    cpuClock = value switch
                    {
                        "cpu" when ClipSharp.Bench.CpuClock.IsAvailable => true,
                        "cpu" => throw new PlatformNotSupportedException("--clock cpu needs Linux clock_gettime."),
                        "wall" => false,
                        _ => throw new ArgumentException($"--clock takes cpu or wall, not {value}."),
                    };
                    break;
                case "--shapes":
                    shapes = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown {command} option {args[i]}.");
            }

            i++;
        }

        return new KernelBenchOptions(threadCounts, reps, cpuClock, shapes);
    }
}

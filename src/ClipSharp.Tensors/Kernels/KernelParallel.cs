namespace ClipSharp.Tensors.Kernels;

// One level of parallelism over independent items, bounded by Parallelism.MaxThreads.
internal static class KernelParallel
{
    // Below this many multiply-adds a fork costs more than it saves.
    private const long MinParallelWork = 1 << 15;

    public static bool RunsInline(int count, long workPerItem)
        => Math.Min(Parallelism.MaxThreads, count) <= 1 || count * workPerItem < MinParallelWork;

    public static void For(int count, long workPerItem, Action<int> body)
    {
        int threads = Math.Min(Parallelism.MaxThreads, count);
        if (RunsInline(count, workPerItem))
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}

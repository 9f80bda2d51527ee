namespace ClipSharp.Tensors.Kernels;

// One level of parallelism over independent items, bounded by Parallelism.MaxThreads.
internal static class KernelParallel
{
    // Below about this many multiply-adds (tens of microseconds of vector work) the fork and join
    // cost more than the threads save.
    private const long MinParallelWork = 1 << 18;

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

        ForkJoin.Run(count, threads, body);
    }

    /// <summary>As <see cref="For(int, long, Action{int})"/> with a struct body: nothing is allocated.</summary>
    public static void For<TBody>(int count, long workPerItem, in TBody body)
        where TBody : struct, IForkBody
    {
        if (RunsInline(count, workPerItem))
        {
            for (int i = 0; i < count; i++)
            {
                body.Run(i);
            }

            return;
        }

        ForkJoin.Run(count, Math.Min(Parallelism.MaxThreads, count), body);
    }
}

namespace ClipSharp.Tensors;

/// <summary>
/// The engine's single knob for threads. Kernels parallelise at one level only (never nested),
/// so this bound is also the bound on busy cores.
/// </summary>
public static class Parallelism
{
    private static int s_maxThreads = DefaultThreads();

    /// <summary>Threads a kernel may use. Defaults to CLIPSHARP_THREADS, else the processor count.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxThreads = value;
        }
    }

    /// <summary>
    /// Runs body for items 0 .. count − 1 on the calling thread and up to <see cref="MaxThreads"/> − 1 helpers, the
    /// engine's own allocation-free fork-join; inline when the work (about workPerItem multiply-adds an item) is too
    /// small to repay a fork. Items must be independent.
    /// </summary>
    public static void For<TBody>(int count, long workPerItem, in TBody body)
        where TBody : struct, IParallelBody
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Kernels.KernelParallel.For(count, workPerItem, new Adapter<TBody>(body));
    }

    private static int DefaultThreads()
    {
        string? env = Environment.GetEnvironmentVariable("CLIPSHARP_THREADS");
        return int.TryParse(env, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }

    private readonly struct Adapter<TBody>(TBody body) : Kernels.IForkBody
        where TBody : struct, IParallelBody
    {
        public void Run(int item) => body.Run(item);
    }
}

using System.Diagnostics;

namespace ClipSharp.Tensors;

/// <summary>
/// The engine's single knob for threads. Kernels parallelise at one level only (never nested),
/// so this bound is also the bound on busy cores.
/// </summary>
public static class Parallelism
{
    private static int s_maxThreads = DefaultThreads();
    private static long s_helperSpinTicks = Stopwatch.Frequency / 1000;

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
    /// How long a helper thread keeps looking for the next kernel after finishing one before it sleeps. Defaults to
    /// 1 ms, longer than the gaps between the kernels of a forward pass, so that only the first fork of a pass pays
    /// for waking a thread; <see cref="TimeSpan.Zero"/> makes helpers sleep at once (no idle CPU, slower small
    /// batches). Helpers spin only in this window after a kernel: an idle engine's helpers sleep.
    /// </summary>
    public static TimeSpan HelperSpin
    {
        get => Stopwatch.GetElapsedTime(0, Volatile.Read(ref s_helperSpinTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(1));
            Volatile.Write(ref s_helperSpinTicks, (long)(value.TotalSeconds * Stopwatch.Frequency));
        }
    }

    internal static long HelperSpinTicks => Volatile.Read(ref s_helperSpinTicks);

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

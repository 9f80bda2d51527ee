using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// Runs body(0..count) on the calling thread and up to threads − 1 of the engine's helper threads
/// (<see cref="ForkWorkers"/>), handing out items one at a time, and returns when every item has run. Unlike
/// Parallel.For it allocates nothing per call: the job objects are pooled, and a job goes back to the pool only once
/// every helper that joined it has let go (a helper that joins after the items are gone just leaves). The caller
/// never waits for a helper that has not started: once it runs out of items it cancels the places nobody took.
/// </summary>
internal sealed class ForkJoin<TBody> : IForkJob
    where TBody : struct, IForkBody
{
    private static readonly ForkJoin<TBody>?[] s_pool = new ForkJoin<TBody>?[32];

    private readonly ManualResetEventSlim _done = new(false);
    private TBody _body;
    private int _count;
    private int _next;
    private int _completed;
    private int _references;

    // Helper places still open; written last when a job is set up, so a helper that claims one sees the job whole.
    private int _places;
    private ExceptionDispatchInfo? _error;

    public bool Wanted => Volatile.Read(ref _places) > 0;

    public static void Run(int count, int threads, in TBody body)
    {
        int helpers = Math.Min(threads, count) - 1;
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++)
            {
                body.Run(i);
            }

            return;
        }

        ForkJoin<TBody> job = Rent();
        job._body = body;
        job._count = count;
        job._next = 0;
        job._completed = 0;
        job._error = null;
        job._done.Reset();
        job._references = helpers + 1;
        Interlocked.Exchange(ref job._places, helpers);
        int slot = ForkWorkers.Post(job, helpers);
        job.Work();
        int unclaimed = Interlocked.Exchange(ref job._places, 0);
        if (slot >= 0)
        {
            ForkWorkers.Withdraw(slot, job);
        }

        job.AwaitItems();
        ExceptionDispatchInfo? error = job._error;
        job.Release(unclaimed + 1);
        error?.Throw();
    }

    public bool TryClaim()
    {
        int places = Volatile.Read(ref _places);
        while (places > 0)
        {
            int seen = Interlocked.CompareExchange(ref _places, places - 1, places);
            if (seen == places)
            {
                return true;
            }

            places = seen;
        }

        return false;
    }

    public void Help()
    {
        Work();
        Release(1);
    }

    // Takes items until none are left; whoever finishes the last one wakes the caller.
    private void Work()
    {
        int count = _count;
        TBody body = _body;
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < count)
        {
            try
            {
                body.Run(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            }

            if (Interlocked.Increment(ref _completed) == count)
            {
                _done.Set();
            }
        }
    }

    // The items still running are the helpers' last ones, as long as the caller's own at most: spinning for them
    // about as long as a helper spins for work saves a wake-up, and a longer wait blocks.
    private void AwaitItems()
    {
        long start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _completed) != _count)
        {
            if (Stopwatch.GetTimestamp() - start > Parallelism.HelperSpinTicks)
            {
                _done.Wait();
                return;
            }

            Thread.SpinWait(8);
        }
    }

    private void Release(int references)
    {
        if (Interlocked.Add(ref _references, -references) == 0)
        {
            _body = default;
            _error = null;
            Return(this);
        }
    }

    private static ForkJoin<TBody> Rent()
    {
        for (int i = 0; i < s_pool.Length; i++)
        {
            ForkJoin<TBody>? job = Interlocked.Exchange(ref s_pool[i], null);
            if (job is not null)
            {
                return job;
            }
        }

        return new ForkJoin<TBody>();
    }

    private static void Return(ForkJoin<TBody> job)
    {
        for (int i = 0; i < s_pool.Length; i++)
        {
            if (Interlocked.CompareExchange(ref s_pool[i], job, null) is null)
            {
                return;
            }
        }
    }
}

/// <summary>
/// One forked loop body with its state: a struct, so that a kernel forks without allocating a closure (each body type
/// gets its own pool of jobs).
/// </summary>
internal interface IForkBody
{
    void Run(int item);
}

/// <summary>Entry points of <see cref="ForkJoin{TBody}"/>.</summary>
internal static class ForkJoin
{
    public static void Run<TBody>(int count, int threads, in TBody body)
        where TBody : struct, IForkBody
        => ForkJoin<TBody>.Run(count, threads, body);

    /// <summary>For callers where a closure is cheap enough (tests, cold paths); allocates the delegate's closure.</summary>
    public static void Run(int count, int threads, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ForkJoin<DelegateBody>.Run(count, threads, new DelegateBody(body));
    }

    private readonly struct DelegateBody(Action<int> body) : IForkBody
    {
        public void Run(int item) => body(item);
    }
}

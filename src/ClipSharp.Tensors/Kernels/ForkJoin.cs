using System.Runtime.ExceptionServices;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// Runs body(0..count) on the calling thread and up to threads − 1 thread-pool helpers, handing out items one at a
/// time, and returns when every item has run. Unlike Parallel.For it allocates nothing per call: the job objects are
/// pooled, and a job goes back to the pool only once every helper queued for it has run (a helper that starts after
/// the items are gone just leaves), so a late helper never sees a reused job. The caller never waits for a helper
/// that has not started.
/// </summary>
internal sealed class ForkJoin<TBody> : IThreadPoolWorkItem
    where TBody : struct, IForkBody
{
    private static readonly ForkJoin<TBody>?[] s_pool = new ForkJoin<TBody>?[32];

    private readonly ManualResetEventSlim _done = new(false);
    private TBody _body;
    private int _count;
    private int _next;
    private int _completed;
    private int _references;
    private ExceptionDispatchInfo? _error;

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
        for (int h = 0; h < helpers; h++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);
        }

        job.Work();
        job._done.Wait();
        ExceptionDispatchInfo? error = job._error;
        job.Release();
        error?.Throw();
    }

    void IThreadPoolWorkItem.Execute()
    {
        Work();
        Release();
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

    private void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
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

using System.Diagnostics;

namespace ClipSharp.Server;

/// <summary>
/// Runs one model call at a time. The kernels already use every core for a single batch, so letting requests
/// overlap would only oversubscribe the CPU. At most <c>capacity</c> requests wait behind the running one; any
/// more are refused at once with <see cref="ModelBusyException"/>, so a burst can never queue without bound.
/// </summary>
internal sealed class ModelGate(Clip clip, int capacity) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _pending;
    private long _averageTicks = TimeSpan.TicksPerMillisecond * 100;

    public Clip Clip { get; } = clip;

    public int Capacity { get; } = capacity >= 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the model queue capacity must be 0 or more.");

    /// <summary>Requests running or waiting now.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public async Task<T> RunAsync<T>(Func<Clip, T> work, CancellationToken cancel)
    {
        // Admitted only while there is room: a refused request never counts, even for a moment.
        int now;
        do
        {
            now = Volatile.Read(ref _pending);
            if (now > Capacity)
            {
                throw new ModelBusyException(Capacity, RetryAfter());
            }
        }
        while (Interlocked.CompareExchange(ref _pending, now + 1, now) != now);

        try
        {
            await _gate.WaitAsync(cancel);
            try
            {
                long start = Stopwatch.GetTimestamp();
                T result = work(Clip);
                Remember(Stopwatch.GetElapsedTime(start));
                return result;
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Long enough for the queue ahead to drain at the recent pace of model calls, and at least a second.</summary>
    private TimeSpan RetryAfter()
    {
        double seconds = TimeSpan.FromTicks(Volatile.Read(ref _averageTicks)).TotalSeconds * (Capacity + 1);
        return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(seconds)));
    }

    // A moving average: a lost update under a race only makes the estimate a little staler.
    private void Remember(TimeSpan took)
        => Volatile.Write(ref _averageTicks, (Volatile.Read(ref _averageTicks) * 7 + took.Ticks) / 8);
}

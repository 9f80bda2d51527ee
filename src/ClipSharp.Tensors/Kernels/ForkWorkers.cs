using System.Diagnostics;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// The engine's own helper threads for <see cref="ForkJoin{TBody}"/>. A forward pass at batch 1 forks a few hundred
/// times per image, each fork a fraction of a millisecond of work, so the time a sleeping helper takes to wake (tens
/// to hundreds of microseconds for a thread-pool thread blocked in the kernel, more on a virtual machine) was paid on
/// almost every fork: two threads ran batch 1 only 1.3–1.6× faster than one. Here a helper that has just finished a
/// job keeps looking for the next one for <see cref="Parallelism.HelperSpin"/> (the gaps between the kernels of a
/// pass are far shorter) and only then sleeps; a fork wakes only the helpers that are asleep.
/// </summary>
/// <remarks>
/// A caller posts its job in a slot, works on it itself, then withdraws it and cancels the helper places nobody took
/// (<see cref="IForkJob"/>), so a fork never waits for a helper that has not started: a lost or late wake-up costs
/// speed, never progress. Helpers are background threads, created the first time a fork asks for that many.
/// </remarks>
internal static class ForkWorkers
{
    // Concurrent forks (one per calling thread: a server's requests, a test's threads) each hold a slot while they
    // run; a fork that finds none free runs alone.
    private const int Slots = 16;

    // More helpers than this are never started, however many threads a caller asks for.
    private const int MaxWorkers = 63;

    private static readonly IForkJob?[] s_posted = new IForkJob?[Slots];
    private static readonly Lock s_grow = new();
    private static Worker[] s_workers = [];

    /// <summary>
    /// Offers job to up to helpers helper threads and returns the slot it was posted in, or −1 when every slot is
    /// taken (the caller then runs the job alone).
    /// </summary>
    public static int Post(IForkJob job, int helpers)
    {
        Worker[] workers = Volatile.Read(ref s_workers);
        if (workers.Length < Math.Min(helpers, MaxWorkers))
        {
            workers = Grow(helpers);
        }

        for (int slot = 0; slot < Slots; slot++)
        {
            if (Interlocked.CompareExchange(ref s_posted[slot], job, null) is null)
            {
                Wake(workers, helpers);
                return slot;
            }
        }

        return -1;
    }

    /// <summary>Takes a posted job down (its caller has run out of items).</summary>
    public static void Withdraw(int slot, IForkJob job) => Interlocked.CompareExchange(ref s_posted[slot], null, job);

    // Awake helpers find the job by themselves; a sleeping one is woken for each place they do not cover. The post's
    // interlocked write comes before the helpers' states are read, and a helper's state change before its last look
    // at the slots (Worker.Loop), so a helper that goes to sleep as the job arrives either sees it or is woken here.
    private static void Wake(Worker[] workers, int helpers)
    {
        for (int i = 0; i < workers.Length && helpers > 0; i++)
        {
            if (workers[i].IsAwake || workers[i].TryWake())
            {
                helpers--;
            }
        }
    }

    private static Worker[] Grow(int helpers)
    {
        lock (s_grow)
        {
            Worker[] old = s_workers;
            int count = Math.Min(helpers, MaxWorkers);
            if (old.Length >= count)
            {
                return old;
            }

            var grown = new Worker[count];
            old.CopyTo(grown, 0);
            for (int i = old.Length; i < count; i++)
            {
                grown[i] = new Worker();
                var thread = new Thread(grown[i].Loop) { IsBackground = true, Name = $"ClipSharp kernel helper {i + 1}" };
                thread.UnsafeStart();
            }

            Volatile.Write(ref s_workers, grown);
            return grown;
        }
    }

    // Claims one helper place of a posted job and runs it; false when no posted job wants a helper.
    private static bool HelpOne()
    {
        for (int slot = 0; slot < Slots; slot++)
        {
            IForkJob? job = Volatile.Read(ref s_posted[slot]);
            if (job is not null && job.TryClaim())
            {
                job.Help();
                return true;
            }
        }

        return false;
    }

    private static bool AnyWanted()
    {
        for (int slot = 0; slot < Slots; slot++)
        {
            IForkJob? job = Volatile.Read(ref s_posted[slot]);
            if (job is not null && job.Wanted)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Worker
    {
        private const int Awake = 0;
        private const int Asleep = 1;

        // Released exactly once per sleep, by whoever moves the state from Asleep to Awake.
        private readonly SemaphoreSlim _wake = new(0);
        private int _state;

        public bool IsAwake => Volatile.Read(ref _state) == Awake;

        public bool TryWake()
        {
            if (Interlocked.CompareExchange(ref _state, Awake, Asleep) != Asleep)
            {
                return false;
            }

            _wake.Release();
            return true;
        }

        public void Loop()
        {
            long idleSince = Stopwatch.GetTimestamp();
            while (true)
            {
                if (HelpOne())
                {
                    idleSince = Stopwatch.GetTimestamp();
                    continue;
                }

                if (Stopwatch.GetTimestamp() - idleSince < Parallelism.HelperSpinTicks)
                {
                    Thread.SpinWait(8);
                    continue;
                }

                Interlocked.Exchange(ref _state, Asleep);
                if (AnyWanted() && Interlocked.CompareExchange(ref _state, Awake, Asleep) == Asleep)
                {
                    // A job came in as this helper was going to sleep, and nobody woke it: take it awake.
                    idleSince = Stopwatch.GetTimestamp();
                    continue;
                }

                // Either no job wants a helper, or a fork has already woken this one and released the semaphore.
                _wake.Wait();
                idleSince = Stopwatch.GetTimestamp();
            }
        }
    }
}

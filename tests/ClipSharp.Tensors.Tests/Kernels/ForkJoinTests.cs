using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// The fork-join every parallel kernel runs on: each item exactly once, on the caller and the engine's helper threads,
// with errors carried back to the caller and pooled jobs reused safely by many callers at once.
public sealed class ForkJoinTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void EveryItemRunsExactlyOnce_ForEveryCountAndThreadCount()
    {
        for (int threads = 1; threads <= 4; threads++)
        {
            for (int count = 0; count <= 67; count++)
            {
                int[] runs = new int[count];
                ForkJoin.Run(count, threads, i => Interlocked.Increment(ref runs[i]));
                Assert.All(runs, r => Assert.Equal(1, r));
            }
        }
    }

    [Fact]
    public void HelpersRunItemsAtTheSameTimeAsTheCaller()
    {
        // Item 0 waits for item 1 to start: only a helper thread taking item 1 lets it finish.
        for (int round = 0; round < 50; round++)
        {
            using var second = new ManualResetEventSlim(false);
            bool met = false;
            ForkJoin.Run(2, 2, i =>
            {
                if (i == 1)
                {
                    second.Set();
                }
                else
                {
                    met = second.Wait(Patience);
                }
            });
            Assert.True(met, $"round {round}: no helper ran item 1 while the caller held item 0");
        }
    }

    [Fact]
    public void AnItemsException_ReachesTheCaller_AndTheNextForkStillRunsEveryItem()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ForkJoin.Run(8, 2, i =>
        {
            if (i == 5)
            {
                throw new InvalidOperationException("item 5");
            }
        }));
        Assert.Equal("item 5", error.Message);

        int sum = 0;
        ForkJoin.Run(100, 2, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public async Task ManyCallersAtOnce_EachGetsItsOwnItems()
    {
        // More concurrent forks than there are posting slots: those that find none run alone, and none may see another's items.
        CancellationToken cancel = TestContext.Current.CancellationToken;
        Task[] callers = [.. Enumerable.Range(0, 24).Select(c => Task.Run(
            () =>
        {
            for (int round = 0; round < 200; round++)
            {
                var sum = new StrongBox<long>();
                int count = 1 + ((c + round) % 13);
                ForkJoin.Run(count, 3, new SumBody(c, sum));
                long expected = ((long)count * (count - 1) / 2) + ((long)c * count);
                Assert.Equal(expected, sum.Value);
            }
        },
            cancel))];
        await Task.WhenAll(callers).WaitAsync(Patience * 3, cancel);
    }

    [Fact]
    public async Task AForkInsideAnItem_Completes()
    {
        int total = 0;
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await Task.Run(() => ForkJoin.Run(4, 2, _ => ForkJoin.Run(10, 2, j => Interlocked.Add(ref total, j))), cancel)
            .WaitAsync(Patience, cancel);
        Assert.Equal(4 * 45, total);
    }

    [Fact]
    public void HelpersThatSleepAtOnce_StillJoinEveryFork()
    {
        TimeSpan spin = Parallelism.HelperSpin;
        try
        {
            Parallelism.HelperSpin = TimeSpan.Zero;
            for (int round = 0; round < 20; round++)
            {
                Thread.Sleep(2);
                int[] runs = new int[16];
                ForkJoin.Run(16, 2, i => Interlocked.Increment(ref runs[i]));
                Assert.All(runs, r => Assert.Equal(1, r));
            }
        }
        finally
        {
            Parallelism.HelperSpin = spin;
        }
    }

    [Fact]
    public void HelperSpin_RejectsNegativeAndOverlongValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.HelperSpin = TimeSpan.FromTicks(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.HelperSpin = TimeSpan.FromSeconds(2));
        Assert.InRange(Parallelism.HelperSpin, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    private readonly struct SumBody(int offset, StrongBox<long> sum) : IForkBody
    {
        public void Run(int item) => Interlocked.Add(ref sum.Value, item + offset);
    }
}

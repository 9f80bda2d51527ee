using ClipSharp.Distributed;

namespace ClipSharp.Tests.Distributed;

/// <summary>
/// N in-process ranks on N threads with real collectives (a deposit per rank, a barrier, a rank-ordered combine), so
/// the data-parallel code runs against one process without a launcher.
/// </summary>
internal sealed class ThreadGroup
{
    private readonly Barrier _barrier;
    private readonly float[][] _slots;
    private int[] _counts = [];

    private ThreadGroup(int size)
    {
        _barrier = new Barrier(size);
        _slots = new float[size][];
    }

    /// <summary>Runs <paramref name="body"/> once per rank, each on its own thread, and returns the results by rank.</summary>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        var group = new ThreadGroup(size);
        var results = new T[size];
        var failures = new Exception?[size];
        Thread[] threads = [.. Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try
            {
                results[r] = body(new Member(group, r, size));
            }
            catch (Exception e)
            {
                // A failing rank leaves the others waiting, as in a real job; the test reports the failure.
                failures[r] = e;
                group._barrier.RemoveParticipant();
            }
        }))];
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromMinutes(1)), $"a rank did not finish; failures: {string.Join("; ", failures.Select((e, r) => e is null ? null : $"rank {r}: {e}").OfType<string>())}");
        }

        int failed = Array.FindIndex(failures, e => e is not null);
        Assert.True(failed < 0, $"rank {failed} failed: {failures[Math.Max(failed, 0)]}");

        return results;
    }

    private sealed class Member(ThreadGroup group, int rank, int size) : ICommunicator
    {
        public int Rank => rank;

        public int Size => size;

        public void AllReduceSum(Span<float> data)
        {
            int length = data.Length;
            Exchange(data, slots =>
            {
                var sum = new float[length];
                foreach (float[] s in slots)
                {
                    for (int i = 0; i < sum.Length; i++)
                    {
                        sum[i] += s[i];
                    }
                }

                return sum;
            }).CopyTo(data);
        }

        public void AllGather(ReadOnlySpan<float> local, Span<float> gathered)
        {
            float[] all = Exchange(local, slots => [.. slots.SelectMany(s => s)]);
            Assert.Equal(gathered.Length, all.Length);
            all.CopyTo(gathered);
        }

        public void AllGather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts)
        {
            Assert.Equal(local.Length, counts[rank]);
            AllGather(local, gathered);
        }

        public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> piece, ReadOnlySpan<int> counts)
        {
            Assert.Equal(counts[rank], piece.Length);
            float[] sum = data.ToArray();
            AllReduceSum(sum);
            sum.AsSpan(Offset(counts), piece.Length).CopyTo(piece);
        }

        public void AllGatherInPlace(Span<float> data, ReadOnlySpan<int> counts)
        {
            int offset = Offset(counts);
            float[] all = Exchange(data, slots =>
            {
                var merged = new float[slots[0].Length];
                for (int r = 0, start = 0; r < slots.Length; start += group._counts[r], r++)
                {
                    slots[r].AsSpan(start, group._counts[r]).CopyTo(merged.AsSpan(start));
                }

                return merged;
            }, counts);
            Assert.Equal(data.Length, all.Length);
            all.CopyTo(data);
        }

        public void Gather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts, int root)
        {
            Assert.Equal(local.Length, counts[rank]);
            float[] all = Exchange(local, slots => [.. slots.SelectMany(s => s)]);
            if (rank == root)
            {
                Assert.Equal(gathered.Length, all.Length);
                all.CopyTo(gathered);
            }
        }

        public void Broadcast(Span<float> data, int root) => Exchange(data, slots => slots[root]).CopyTo(data);

        public void Barrier() => group._barrier.SignalAndWait();

        public void Abort(int code) => throw new InvalidOperationException($"rank {rank} aborted with {code}");

        public void Dispose()
        {
        }

        private int Offset(ReadOnlySpan<int> counts)
        {
            Assert.Equal(size, counts.Length);
            int offset = 0;
            for (int r = 0; r < rank; r++)
            {
                offset += counts[r];
            }

            return offset;
        }

        // Every rank deposits its data, then reads what combine makes of all deposits, in rank order.
        private float[] Exchange(ReadOnlySpan<float> data, Func<float[][], float[]> combine, ReadOnlySpan<int> counts = default)
        {
            group._slots[rank] = data.ToArray();
            if (rank == 0 && !counts.IsEmpty)
            {
                group._counts = counts.ToArray();
            }

            group._barrier.SignalAndWait();
            float[] result = combine(group._slots);
            group._barrier.SignalAndWait();
            return result;
        }
    }
}

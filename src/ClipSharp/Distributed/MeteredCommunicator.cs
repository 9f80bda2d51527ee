using System.Diagnostics;

namespace ClipSharp.Distributed;

/// <summary>
/// A communicator that forwards every collective to another and counts it: calls, the wall-clock time spent inside
/// (measured around the call, so it includes waiting for ranks that arrive later), and the bytes moved, so that a
/// run can report what its steps spent on communication.
/// </summary>
/// <remarks>
/// The bytes are those a bandwidth-optimal ring algorithm sends from this rank, the accounting of NCCL's "bus
/// bandwidth": an all-reduce of n floats sends 2·(N−1)/N·4n bytes, a reduce-scatter or an all-gather of a buffer of n
/// floats in all sends what the other ranks own of it, 4·(n − own) bytes, a gather to a root sends this rank's piece
/// (the root sends nothing), a broadcast sends the buffer from the root. They are computed from the buffers' sizes,
/// not read from the MPI library, whose algorithm for a given size may move somewhat more.
/// </remarks>
public sealed class MeteredCommunicator : ICommunicator
{
    private readonly ICommunicator _inner;
    private readonly Lock _gate = new();
    private long _calls;
    private long _ticks;
    private long _bytes;

    private MeteredCommunicator(ICommunicator inner)
    {
        _inner = inner;
    }

    /// <summary>Meters <paramref name="inner"/>; disposing the metered communicator disposes it.</summary>
    public static MeteredCommunicator Create(ICommunicator inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new MeteredCommunicator(inner);
    }

    public int Rank => _inner.Rank;

    public int Size => _inner.Size;

    /// <summary>The counts so far.</summary>
    public CommunicationTotals Totals
    {
        get
        {
            lock (_gate)
            {
                return new CommunicationTotals(_calls, (double)_ticks / Stopwatch.Frequency, _bytes);
            }
        }
    }

    public void AllReduceSum(Span<float> data)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.AllReduceSum(data);
        Count(begin, 2L * (Size - 1) * data.Length * sizeof(float) / Size);
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> gathered)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.AllGather(local, gathered);
        Count(begin, (long)(gathered.Length - local.Length) * sizeof(float));
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.AllGather(local, gathered, counts);
        Count(begin, (long)(gathered.Length - local.Length) * sizeof(float));
    }

    public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> piece, ReadOnlySpan<int> counts)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.ReduceScatterSum(data, piece, counts);
        Count(begin, (long)(data.Length - piece.Length) * sizeof(float));
    }

    public void AllGatherInPlace(Span<float> data, ReadOnlySpan<int> counts)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.AllGatherInPlace(data, counts);
        Count(begin, (long)(data.Length - counts[Rank]) * sizeof(float));
    }

    public void Gather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts, int root)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.Gather(local, gathered, counts, root);
        Count(begin, Rank == root ? 0 : (long)local.Length * sizeof(float));
    }

    public void Broadcast(Span<float> data, int root)
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.Broadcast(data, root);
        Count(begin, Rank == root && Size > 1 ? (long)data.Length * sizeof(float) : 0);
    }

    public void Barrier()
    {
        long begin = Stopwatch.GetTimestamp();
        _inner.Barrier();
        Count(begin, 0);
    }

    public void Abort(int code) => _inner.Abort(code);

    public void Dispose() => _inner.Dispose();

    private void Count(long begin, long bytes)
    {
        long ticks = Stopwatch.GetTimestamp() - begin;
        lock (_gate)
        {
            _calls++;
            _ticks += ticks;
            _bytes += bytes;
        }
    }
}

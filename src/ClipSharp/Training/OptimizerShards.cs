using System.Runtime.InteropServices;
using ClipSharp.Distributed;

namespace ClipSharp.Training;

/// <summary>
/// ZeRO-1's collectives over the one flat buffer of a parameter layout: rank r of N owns the contiguous slice
/// [⌊r·P/N⌋, ⌊(r+1)·P/N⌋) (as <see cref="BatchShard"/> splits a batch), keeps the AdamW moments of that slice
/// alone and updates it. The gradient sum is a reduce-scatter (each rank receives its slice of the sum, half an
/// all-reduce's traffic), the updated parameters an all-gather (the other half), both in buckets.
/// </summary>
internal sealed class OptimizerShards
{
    // As the all-reduce's buckets: large enough for link speed, small enough for modest staging buffers.
    private const int Bucket = 1 << 20;

    private readonly ICommunicator _communicator;
    private readonly int[] _starts;
    private readonly int[] _counts;
    private readonly float[] _piece;
    private readonly float[] _local = new float[2];
    private readonly float[] _squares;
    private float[] _bucket = [];

    public OptimizerShards(ICommunicator communicator, long length)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _communicator = communicator;
        int total = checked((int)length);
        int size = communicator.Size;
        _starts = new int[size + 1];
        for (int r = 0; r <= size; r++)
        {
            _starts[r] = r < size ? new BatchShard(r, size).Start(total) : total;
        }

        _counts = new int[size];
        _piece = new float[Math.Min(Bucket, Length)];
        _squares = new float[2 * size];
    }

    /// <summary>This rank's slice as an optimizer shard.</summary>
    public BatchShard Shard => BatchShard.Of(_communicator);

    public int Start => _starts[_communicator.Rank];

    public int Length => _starts[_communicator.Rank + 1] - Start;

    /// <summary>
    /// Sums every rank's <paramref name="data"/> and leaves this rank's slice of the sum in its place; the rest of
    /// <paramref name="data"/> keeps this rank's own terms. Collective.
    /// </summary>
    public void ReduceScatter(Span<float> data)
    {
        int rank = _communicator.Rank;
        for (int start = 0; start < data.Length; start += Bucket)
        {
            int end = Math.Min(start + Bucket, data.Length);
            Split(start, end);
            Span<float> piece = _piece.AsSpan(0, _counts[rank]);
            _communicator.ReduceScatterSum(data[start..end], piece, _counts);
            piece.CopyTo(data[Math.Max(start, Start)..]);
        }
    }

    /// <summary>Fills in every other rank's slice of <paramref name="data"/> from that rank. Collective.</summary>
    public void AllGather(Span<float> data)
    {
        for (int start = 0; start < data.Length; start += Bucket)
        {
            int end = Math.Min(start + Bucket, data.Length);
            Split(start, end);
            _communicator.AllGatherInPlace(data[start..end], _counts);
        }
    }

    /// <summary>
    /// The global L2 norm of the summed gradient, from the ranks' slices of it: each rank's sum of squares travels as
    /// a double split into two floats (high part and remainder) and the ranks' sums are added in rank order, so every
    /// rank computes the same norm. Collective.
    /// </summary>
    public double GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double mine = GradientClipping.SumOfSquares(gradients.Slice(Start, Length));
        _local[0] = (float)mine;
        _local[1] = (float)(mine - _local[0]);
        _communicator.AllGather(_local, _squares);
        double sum = 0;
        for (int r = 0; r < _communicator.Size; r++)
        {
            sum += (double)_squares[2 * r] + _squares[(2 * r) + 1];
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Clips this rank's slice of the summed gradient by the global norm; returns the norm. Collective.</summary>
    public double ClipByGlobalNorm(Span<float> gradients, double maxNorm)
    {
        double norm = GlobalNorm(gradients);
        GradientClipping.Scale(gradients.Slice(Start, Length), norm, maxNorm);
        return norm;
    }

    /// <summary>
    /// Writes the whole of one moment buffer, gathered bucket by bucket from the ranks' slices of it
    /// (<paramref name="slice"/>, this rank's), to rank 0's <paramref name="stream"/> as little-endian floats; the other
    /// ranks pass null. Rank 0 never holds more than one bucket of the others' moments. Collective.
    /// </summary>
    public void GatherTo(float[] slice, Stream? stream)
    {
        ArgumentNullException.ThrowIfNull(slice);
        int rank = _communicator.Rank;
        int total = _starts[^1];
        if (stream is not null && _bucket.Length == 0)
        {
            _bucket = new float[Math.Min(Bucket, total)];
        }

        for (int start = 0; start < total; start += Bucket)
        {
            int end = Math.Min(start + Bucket, total);
            Split(start, end);
            ReadOnlySpan<float> mine = _counts[rank] == 0 ? default : slice.AsSpan(Math.Max(start, Start) - Start, _counts[rank]);
            Span<float> gathered = stream is null ? default : _bucket.AsSpan(0, end - start);
            _communicator.Gather(mine, gathered, _counts, 0);
            stream?.Write(MemoryMarshal.AsBytes(gathered));
        }
    }

    // The counts of the bucket [start, end) that fall in each rank's slice.
    private void Split(int start, int end)
    {
        for (int r = 0; r < _counts.Length; r++)
        {
            _counts[r] = Math.Max(0, Math.Min(end, _starts[r + 1]) - Math.Max(start, _starts[r]));
        }
    }
}

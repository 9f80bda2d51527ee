namespace ClipSharp.Distributed;

/// <summary>The job of one process: rank 0 of 1, every collective the identity. The default everywhere.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    public static readonly SingleProcessCommunicator Instance = new();

    private SingleProcessCommunicator()
    {
    }

    public int Rank => 0;

    public int Size => 1;

    public void AllReduceSum(Span<float> data)
    {
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> gathered) => Copy(local, gathered);

    public void AllGather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts)
    {
        CheckCounts(counts, local.Length);
        Copy(local, gathered);
    }

    public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> piece, ReadOnlySpan<int> counts)
    {
        CheckCounts(counts, data.Length);
        Copy(data, piece);
    }

    public void AllGatherInPlace(Span<float> data, ReadOnlySpan<int> counts) => CheckCounts(counts, data.Length);

    public void Gather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);
        CheckCounts(counts, local.Length);
        Copy(local, gathered);
    }

    public void Broadcast(Span<float> data, int root) => ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);

    public void Barrier()
    {
    }

    public void Abort(int code) => Environment.Exit(code);

    public void Dispose()
    {
    }

    private static void CheckCounts(ReadOnlySpan<int> counts, int length)
    {
        if (counts.Length != 1 || counts[0] != length)
        {
            throw new ArgumentException($"one process has one count, equal to its {length} floats; got [{string.Join(", ", counts.ToArray())}].", nameof(counts));
        }
    }

    private static void Copy(ReadOnlySpan<float> local, Span<float> gathered)
    {
        if (gathered.Length != local.Length)
        {
            throw new ArgumentException($"the gathered buffer must hold {local.Length} floats, got {gathered.Length}.", nameof(gathered));
        }

        local.CopyTo(gathered);
    }
}

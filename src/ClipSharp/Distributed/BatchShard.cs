namespace ClipSharp.Distributed;

/// <summary>
/// Which rows of a global batch a rank holds: a contiguous run, rank r taking rows [⌊r·B/N⌋, ⌊(r+1)·B/N⌋), so the
/// shards are disjoint, cover the batch, and concatenated in rank order give it back in its own order.
/// </summary>
public readonly record struct BatchShard(int Rank, int Size)
{
    public static BatchShard Whole => new(0, 1);

    public static BatchShard Of(ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        return new BatchShard(communicator.Rank, communicator.Size);
    }

    /// <summary>The first row of this shard in a batch of <paramref name="batch"/> rows.</summary>
    public int Start(int batch) => checked((int)((long)Rank * batch / Size));

    /// <summary>The rows of this shard in a batch of <paramref name="batch"/> rows.</summary>
    public int Count(int batch) => checked((int)((long)(Rank + 1) * batch / Size)) - Start(batch);

    /// <summary>
    /// This shard's items of a list split as a batch: the contiguous run [⌊r·n/N⌋, ⌊(r+1)·n/N⌋) of the n items, in the
    /// list's order. A function of the list, rank and size alone, so every rank of a job computes the same split
    /// without talking to the others, and the runs of ranks 0 to N − 1 concatenated give the list back.
    /// </summary>
    public IReadOnlyList<T> Take<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Validate();
        int start = Start(items.Count);
        int count = Count(items.Count);
        var share = new T[count];
        for (int i = 0; i < count; i++)
        {
            share[i] = items[start + i];
        }

        return share;
    }

    internal void Validate()
    {
        if (Size < 1 || Rank < 0 || Rank >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(Rank), $"a shard is rank 0 to size − 1 of a size >= 1, got rank {Rank} of {Size}.");
        }
    }
}

using ClipSharp.Distributed;

namespace ClipSharp.Data;

public sealed record DataLoaderOptions
{
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffles, crops and every other draw derive from this and the epoch.</summary>
    public long Seed { get; init; }

    public bool Shuffle { get; init; } = true;

    /// <summary>Drop an epoch's last, smaller batch.</summary>
    public bool DropLast { get; init; }

    /// <summary>Token row length (the model's context length).</summary>
    public int ContextLength { get; init; } = 77;

    /// <summary>Threads decoding and transforming a batch's samples; null: the cores less one, at least one.</summary>
    public int? Workers { get; init; }

    /// <summary>Finished batches kept ready ahead of the consumer; the memory bound of the pipeline.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>
    /// The rows of every batch this loader makes: the whole batch, or for one rank of a data-parallel job its shard
    /// (<see cref="BatchShard"/>). Batches, positions and the epoch order stay those of the global batch.
    /// </summary>
    public BatchShard Shard { get; init; } = BatchShard.Whole;

    internal void Validate()
    {
        Shard.Validate();
        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be at least 1.");
        }

        if (ContextLength < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "the context length must hold at least the start and end tokens.");
        }

        if (Workers is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "workers must be at least 1.");
        }

        if (Prefetch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "prefetch must be at least 1 batch.");
        }
    }
}

namespace ClipSharp.Training;

/// <summary>How <see cref="ContrastiveTrainer"/> takes a step.</summary>
public sealed record ContrastiveTrainerOptions
{
    /// <summary>The learning rate per step; defaults to a constant 5e-4.</summary>
    public ILearningRateSchedule Schedule { get; init; } = new ConstantSchedule(5e-4);

    public AdamWOptions Optimizer { get; init; } = new();

    /// <summary>Clip the global gradient norm to this before the update; null: no clipping.</summary>
    public double? MaxGradNorm { get; init; }

    public TowerLock Lock { get; init; } = TowerLock.None;

    /// <summary>
    /// Gradient caching: embed and backpropagate the batch in chunks of this many pairs while the loss still sees
    /// the whole batch; null: one pass. Exact for the ViT; a ResNet's train-mode batch norm sees per-chunk statistics.
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// ZeRO-1 over a communicator of more than one rank: each rank keeps the AdamW moments of its slice of the
    /// parameters only (memory per rank falls as 1/N) and updates that slice; the parameters are then all-gathered.
    /// The same step as without it, up to the order of the gradient sums. Ignored by a single process.
    /// </summary>
    public bool ShardOptimizer { get; init; }
}

namespace ClipSharp.Training;

/// <summary>How a <see cref="TrainingRun"/> trains, logs and checkpoints. Everything that decides the numbers is here.</summary>
public sealed record TrainingRunOptions
{
    /// <summary>The folder for the log, the plots and the checkpoints.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Optimizer steps in the whole run (the cosine schedule ends here).</summary>
    public required long Steps { get; init; }

    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Linear warmup steps before the cosine decay.</summary>
    public long WarmupSteps { get; init; }

    public double WeightDecay { get; init; } = 0.2;

    /// <summary>Clip the global gradient norm to this; null: no clipping.</summary>
    public double? MaxGradNorm { get; init; }

    public TowerLock Lock { get; init; } = TowerLock.None;

    /// <summary>Gradient-caching chunk (see <see cref="ContrastiveTrainerOptions.ChunkSize"/>); null: whole batch.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// ZeRO-1 (see <see cref="ContrastiveTrainerOptions.ShardOptimizer"/>). Checkpoints hold the whole moments as
    /// one process writes them (rank 0 gathers them first), so a run may resume with it on or off and on any number
    /// of ranks; not a setting a resume checks.
    /// </summary>
    public bool ShardOptimizer { get; init; }

    /// <summary>Write a checkpoint every this many steps (and always at the end); 0: only at the end.</summary>
    public long CheckpointEvery { get; init; }

    /// <summary>Run the validation every this many steps (and at the end) when a validation is given; 0: only at the end.</summary>
    public long EvalEvery { get; init; }

    /// <summary>Write a log line every this many steps (the first and last steps are always logged).</summary>
    public long LogEvery { get; init; } = 1;

    /// <summary>Checkpoints kept on disk; older ones are removed once a newer one is complete.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>
    /// A wall-clock limit for this invocation's steps: when it is reached the run ends after the current step as if
    /// that were the last (validation and final checkpoint included). A safety net for time-budgeted runs; it makes
    /// the step count depend on the machine, so it is not part of what a resume checks.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Continue from the output folder's latest checkpoint instead of starting a new run there.</summary>
    public bool Resume { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(OutputDirectory);
        if (Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "a run needs at least 1 step.");
        }

        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the learning rate must be finite and >= 0.");
        }

        if (WarmupSteps < 0 || WarmupSteps > Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"warmup steps must be 0 to the run's {Steps} steps.");
        }

        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "the weight decay must be finite and >= 0.");
        }

        if (MaxGradNorm is double m && !(m > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), MaxGradNorm, "the gradient-norm limit must be > 0.");
        }

        if (CheckpointEvery < 0 || EvalEvery < 0 || LogEvery < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), "checkpoint and evaluation intervals must be >= 0 and the log interval >= 1.");
        }

        if (KeepCheckpoints < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepCheckpoints), KeepCheckpoints, "at least one checkpoint must be kept.");
        }
    }
}

namespace ClipSharp.Training.Demo;

/// <summary>
/// The from-scratch demo: the calibrated design is a 48 px ViT (patch 8, width 128, 4 layers) and a word-level text
/// tower (width 128, 4 layers, context 20), batch 128, lr 1e-3 with warmup then cosine.
/// </summary>
public sealed record SyntheticDemoOptions
{
    public required string OutputDirectory { get; init; }

    /// <summary>Fixes the data, the held-out combinations, the initialisation and the data order.</summary>
    public long Seed { get; init; }

    /// <summary>Wall-clock budget of the whole demo; the step count is estimated from the measured speed to fit it.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromMinutes(9.5);

    /// <summary>A fixed step count instead of one fitted to <see cref="TimeBudget"/> (the whole demo is then deterministic).</summary>
    public long? Steps { get; init; }

    /// <summary>Distinct training images, rendered once and kept in memory.</summary>
    public int TrainCount { get; init; } = 20000;

    /// <summary>Held-out images per class in each evaluation set.</summary>
    public int EvalPerClass { get; init; } = 20;

    public int BatchSize { get; init; } = 128;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Warmup as a fraction of the steps.</summary>
    public double WarmupFraction { get; init; } = 0.05;

    public int ImageSize { get; init; } = 48;

    public int PatchSize { get; init; } = 8;

    public int Width { get; init; } = 128;

    public int Layers { get; init; } = 4;

    public int ContextLength { get; init; } = 20;

    /// <summary>Validation (the evaluation sets) every this many steps; 0: only at the end.</summary>
    public long EvalEvery { get; init; } = 250;
}

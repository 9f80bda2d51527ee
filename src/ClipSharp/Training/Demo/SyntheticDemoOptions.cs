using System.Globalization;

namespace ClipSharp.Training.Demo;

/// <summary>
/// The from-scratch demo. The recipe, measured to meet the demo's bars within 51,200 training samples (what a machine
/// training 100 samples/s fits in its budget): a 48 px ViT with 16 px patches, one per cell of the scenes' 3×3 grid
/// (width 192, 6 heads, 7 layers), a one-layer word-level text tower (context 20), single-object scenes, batch 64,
/// lr 5e-4 with 5% warmup then cosine. Against the first design (8 px patches, width 128, 4 + 4 layers, batch 128,
/// lr 1e-3, half the scenes with two or three objects) it costs the same per sample and learns shapes within the budget.
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

    /// <summary>
    /// The training samples (steps × batch) the recipe needs to meet its bars. A <see cref="TimeBudget"/> that fits fewer
    /// on this machine stops the demo before training with a <see cref="DemoTooSlowException"/>; a fixed
    /// <see cref="Steps"/> is always trained.
    /// </summary>
    public long RecipeSamples { get; init; } = 800 * 64;

    /// <summary>Distinct training images, rendered once and kept in memory.</summary>
    public int TrainCount { get; init; } = 20000;

    /// <summary>
    /// The share of training scenes with a single object; the rest hold two or three. The evaluation images hold one
    /// object each, and a model this small learns shapes far sooner from scenes where caption and object pair one to one.
    /// </summary>
    public double SingleObjectShare { get; init; } = 1.0;

    /// <summary>Held-out images per class in each evaluation set.</summary>
    public int EvalPerClass { get; init; } = 20;

    public int BatchSize { get; init; } = 64;

    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Warmup as a fraction of the steps.</summary>
    public double WarmupFraction { get; init; } = 0.05;

    public int ImageSize { get; init; } = 48;

    public int PatchSize { get; init; } = 16;

    public int Width { get; init; } = 192;

    /// <summary>Layers of the image tower, and of the text tower when <see cref="TextLayers"/> is unset.</summary>
    public int Layers { get; init; } = 7;

    /// <summary>Layers of the text tower; unset, <see cref="Layers"/>.</summary>
    public int? TextLayers { get; init; } = 1;

    /// <summary>Attention heads of both towers; unset, one per 32 channels of <see cref="Width"/>.</summary>
    public int? Heads { get; init; }

    public int ContextLength { get; init; } = 20;

    /// <summary>Validation (the evaluation sets) every this many steps; 0: only at the end.</summary>
    public long EvalEvery { get; init; } = 250;

    /// <summary>Every rule these options break, in declaration order; empty when they make a demo.</summary>
    public IReadOnlyList<DemoOptionProblem> Problems()
    {
        var problems = new List<DemoOptionProblem>();
        void Check(bool ok, string option, string rule, object? value)
        {
            if (!ok)
            {
                problems.Add(new DemoOptionProblem(option, rule, string.Create(CultureInfo.InvariantCulture, $"{value ?? "nothing"}")));
            }
        }

        Check(!string.IsNullOrWhiteSpace(OutputDirectory), nameof(OutputDirectory), "must name a folder", OutputDirectory);
        Check(TimeBudget > TimeSpan.Zero, nameof(TimeBudget), "must be positive", TimeBudget);
        Check(Steps is null or >= 1, nameof(Steps), "must be at least 1", Steps);
        Check(RecipeSamples >= 0, nameof(RecipeSamples), "must not be negative", RecipeSamples);
        Check(BatchSize >= 2, nameof(BatchSize), "must be at least 2 (the loss contrasts pairs within a batch)", BatchSize);
        Check(TrainCount >= Math.Max(2, BatchSize), nameof(TrainCount), $"must hold at least one batch ({BatchSize})", TrainCount);
        Check(SingleObjectShare is >= 0 and <= 1, nameof(SingleObjectShare), "must be a share in [0, 1]", SingleObjectShare);
        Check(EvalPerClass >= 1, nameof(EvalPerClass), "must be at least 1", EvalPerClass);
        Check(LearningRate is > 0 and < 1, nameof(LearningRate), "must be in (0, 1)", LearningRate);
        Check(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), "must be in [0, 1)", WarmupFraction);
        Check(ImageSize is >= 48 and <= 64, nameof(ImageSize), "must be 48 to 64 pixels", ImageSize);
        Check(PatchSize >= 1 && ImageSize % Math.Max(1, PatchSize) == 0, nameof(PatchSize), $"must divide the image size ({ImageSize})", PatchSize);
        Check(Width >= 64 && Width % 64 == 0, nameof(Width), "must be a multiple of 64", Width);
        Check(Layers >= 1, nameof(Layers), "must be at least 1", Layers);
        Check(TextLayers is null or >= 1, nameof(TextLayers), "must be at least 1", TextLayers);
        Check(Heads is null || (Heads >= 1 && Width % Heads == 0), nameof(Heads), $"must divide the width ({Width})", Heads);
        Check(ContextLength >= 3, nameof(ContextLength), "must hold the start and end tokens and a word", ContextLength);
        Check(EvalEvery >= 0, nameof(EvalEvery), "must not be negative", EvalEvery);
        return problems;
    }

    /// <summary>Throws a <see cref="DemoOptionsException"/> listing every rule these options break.</summary>
    public void Validate()
    {
        IReadOnlyList<DemoOptionProblem> problems = Problems();
        if (problems.Count > 0)
        {
            throw new DemoOptionsException(problems);
        }
    }
}

namespace ClipSharp.Localization;

/// <summary>How <see cref="ClipLocator"/> makes its heat maps. The defaults are the measured best of each method.</summary>
public sealed record LocateOptions
{
    public static LocateOptions Default { get; } = new();

    public LocateMethod Method { get; init; } = LocateMethod.Dense;

    /// <summary><see cref="LocateMethod.Gradient"/> only: how activations and gradients become one relevance per cell.</summary>
    public RelevanceWeighting Weighting { get; init; } = RelevanceWeighting.GradientTimesActivation;

    /// <summary>
    /// <see cref="LocateMethod.Gradient"/> only: the activations read are those entering the Depth-th block from the
    /// top (1: the last block; the tower's block count: the first block, i.e. ln_pre's output), or with one more, the
    /// input pixels themselves (a grid of one cell per pixel). Null, the default: every block, the stream entering
    /// the first, which measured best (docs/localization.md).
    /// </summary>
    public int? Depth { get; init; }
}

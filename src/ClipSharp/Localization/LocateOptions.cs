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
    /// the first, which measured best (docs/localization.md). A ResNet is read only at layer4's output, the map
    /// entering its attention pool: 1, which null also means.
    /// </summary>
    public int? Depth { get; init; }

    /// <summary>
    /// <see cref="LocateMethod.Occlusion"/> only: the occluders' sides in the model's input pixels, each a multiple of
    /// <see cref="OcclusionStride"/>; the map is the mean of one map per size. Null, the default: a quarter, a half
    /// and the whole of a cell of the model's grid (4, 8 and 16 pixels for patch 16; 8, 16 and 32 for ViT-B/32 and
    /// RN50 at 224), each rounded down to a multiple of the stride, which measured best (docs/localization.md).
    /// </summary>
    public IReadOnlyList<int>? OccluderSizes { get; init; }

    /// <summary>
    /// <see cref="LocateMethod.Occlusion"/> only: the step between occluder positions in the model's input pixels,
    /// which must divide the model's resolution; it is also the side of the map's cells. Null, the default: the
    /// largest divisor of the model's grid cell that is at most a quarter of it (4 pixels for patch 16, 8 for
    /// ViT-B/32 and RN50 at 224).
    /// </summary>
    public int? OcclusionStride { get; init; }

    /// <summary>
    /// <see cref="LocateMethod.Occlusion"/> only: what a cell's score is the drop of. <see cref="OcclusionScore.Contrast"/>,
    /// the default: the prompt's cosine less the mean cosine of the call's other prompts, which measured best
    /// (docs/localization.md). Every score but <see cref="OcclusionScore.Cosine"/> compares each prompt with the
    /// call's other prompts and needs at least two; a call with one prompt scores its cosine whatever this says.
    /// </summary>
    public OcclusionScore OcclusionScore { get; init; } = OcclusionScore.Contrast;

    /// <summary>
    /// <see cref="LocateMethod.Occlusion"/> only: how the maps of the <see cref="OccluderSizes"/> become one.
    /// <see cref="OccluderSizeMerge.GeometricMean"/>, the default: the geometric mean of each map's positive part
    /// over its maximum, which measured best (docs/localization.md).
    /// </summary>
    public OccluderSizeMerge OccluderSizeMerge { get; init; } = OccluderSizeMerge.GeometricMean;

    /// <summary><see cref="LocateMethod.Occlusion"/> only: occluded images per forward pass of the image tower.</summary>
    public int OcclusionBatch { get; init; } = 64;
}

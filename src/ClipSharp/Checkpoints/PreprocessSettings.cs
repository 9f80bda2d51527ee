namespace ClipSharp.Checkpoints;

/// <summary>
/// Image preprocessing a model expects: resize the shorter side to <see cref="ResizeShortestEdge"/>, center-crop
/// <see cref="CropSize"/> squared, then normalise each RGB channel with <see cref="Mean"/> and <see cref="Std"/>.
/// </summary>
public sealed record PreprocessSettings(int ResizeShortestEdge, int CropSize, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>The normalisation constants of OpenAI's CLIP preprocessing.</summary>
    public static readonly IReadOnlyList<float> ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];

    public static readonly IReadOnlyList<float> ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The reference pipeline: Resize(resolution), CenterCrop(resolution), CLIP mean/std.</summary>
    public static PreprocessSettings ForResolution(int resolution) => new(resolution, resolution, ClipMean, ClipStd);

    public bool Equals(PreprocessSettings? other)
        => other is not null && ResizeShortestEdge == other.ResizeShortestEdge && CropSize == other.CropSize
        && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(ResizeShortestEdge, CropSize);
}

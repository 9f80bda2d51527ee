using System.Text.Json.Serialization;

namespace ClipSharp.Localization;

/// <summary>One label of a <see cref="SegmentationReport"/>: the pixels labelled with it, and their share of the image.</summary>
public sealed record SegmentShare(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("pixels")] long Pixels,
    [property: JsonPropertyName("fraction")] double Fraction);

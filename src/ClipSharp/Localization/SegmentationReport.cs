using System.Text.Json.Serialization;

namespace ClipSharp.Localization;

/// <summary>
/// The report of one image segmented, as <c>clip locate --segment --json</c> prints it: the image's name and size and,
/// per label in the order given, the pixels it won. The JSON names are fixed by the attributes, so any
/// <see cref="System.Text.Json.JsonSerializerOptions"/> write the same object.
/// </summary>
public sealed record SegmentationReport
{
    private SegmentationReport(string image, int width, int height, IReadOnlyList<SegmentShare> labels)
    {
        Image = image;
        Width = width;
        Height = height;
        Labels = labels;
    }

    /// <summary>How the caller names the image: a path, an upload's file name. The report never reads it.</summary>
    [JsonPropertyName("image")]
    public string Image { get; }

    [JsonPropertyName("width")]
    public int Width { get; }

    [JsonPropertyName("height")]
    public int Height { get; }

    [JsonPropertyName("labels")]
    public IReadOnlyList<SegmentShare> Labels { get; }

    /// <summary>The report of what <c>ClipLocator.Segment</c> labelled in one image.</summary>
    public static SegmentationReport Create(string image, Segmentation segmentation)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(segmentation);
        SegmentShare[] labels = [.. segmentation.Labels.Select((label, l) => new SegmentShare(label, segmentation.Area(l), segmentation.Fraction(l)))];
        return new SegmentationReport(image, segmentation.Width, segmentation.Height, labels);
    }
}

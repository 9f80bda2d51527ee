namespace ClipSharp.Data;

/// <summary>One (image, caption) pair. <see cref="Key"/> is stable across runs and names the sample in reports.</summary>
public sealed record CaptionedSample(string Key, ImageSource Image, string Caption);

using System.Text.Json.Serialization;

namespace ClipSharp.Localization;

/// <summary>
/// A rectangle of pixels of the input image, <see cref="Left"/> and <see cref="Top"/> inclusive, <see cref="Right"/>
/// and <see cref="Bottom"/> exclusive, so it always lies inside [0, width] × [0, height]. In JSON it is the four
/// edges only; the rest follows from them.
/// </summary>
public readonly record struct PixelBox(
    [property: JsonPropertyName("left")] int Left,
    [property: JsonPropertyName("top")] int Top,
    [property: JsonPropertyName("right")] int Right,
    [property: JsonPropertyName("bottom")] int Bottom)
{
    [JsonIgnore]
    public int Width => Right - Left;

    [JsonIgnore]
    public int Height => Bottom - Top;

    [JsonIgnore]
    public long Area => (long)Width * Height;

    public bool Contains(PixelPoint p) => p.X >= Left && p.X < Right && p.Y >= Top && p.Y < Bottom;
}

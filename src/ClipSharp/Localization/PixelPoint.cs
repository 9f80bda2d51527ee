using System.Text.Json.Serialization;

namespace ClipSharp.Localization;

/// <summary>A pixel of the input image: column <see cref="X"/>, row <see cref="Y"/>, from the top left.</summary>
public readonly record struct PixelPoint([property: JsonPropertyName("x")] int X, [property: JsonPropertyName("y")] int Y);

namespace ClipSharp.Localization;

/// <summary>A pixel of the input image: column <see cref="X"/>, row <see cref="Y"/>, from the top left.</summary>
public readonly record struct PixelPoint(int X, int Y);

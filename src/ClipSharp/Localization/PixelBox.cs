namespace ClipSharp.Localization;

/// <summary>
/// A rectangle of pixels of the input image, <see cref="Left"/> and <see cref="Top"/> inclusive, <see cref="Right"/>
/// and <see cref="Bottom"/> exclusive, so it always lies inside [0, width] × [0, height].
/// </summary>
public readonly record struct PixelBox(int Left, int Top, int Right, int Bottom)
{
    public int Width => Right - Left;

    public int Height => Bottom - Top;

    public long Area => (long)Width * Height;

    public bool Contains(PixelPoint p) => p.X >= Left && p.X < Right && p.Y >= Top && p.Y < Bottom;
}

namespace ClipSharp.Imaging;

/// <summary>What a file's headers declare, read without decoding any pixel data.</summary>
public sealed record ImageInfo(ImageFileFormat Format, int Width, int Height, PixelMode Mode)
{
    public long PixelCount => (long)Width * Height;
}

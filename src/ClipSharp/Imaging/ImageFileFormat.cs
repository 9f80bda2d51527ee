namespace ClipSharp.Imaging;

/// <summary>The container formats the decoder accepts, recognised by their signature bytes.</summary>
public enum ImageFileFormat
{
    Png,
    Jpeg,
    WebP,
    Gif,
    Bmp,
}

namespace ClipSharp.Imaging;

/// <summary>Limits applied while decoding untrusted files.</summary>
public sealed record ImageDecodeOptions
{
    /// <summary>
    /// Pillow raises <c>DecompressionBombError</c> above twice <c>Image.MAX_IMAGE_PIXELS</c> (2 x 89,478,485);
    /// the same threshold keeps us accepting exactly the files the reference accepts.
    /// </summary>
    public const long DefaultMaxPixels = 2L * 89_478_485;

    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>Largest width x height accepted; a file declaring more is rejected before any pixel memory is allocated.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;
}

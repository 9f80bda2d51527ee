namespace ClipSharp.Imaging;

/// <summary>
/// Decoded 8-bit pixels, row-major and interleaved: <c>[Height, Width, Channels]</c>.
/// Channels per mode: L 1, LA 2, RGB 3, RGBA 4, Bilevel 1 (0 or 255), P 4 (the palette colours already
/// looked up, alpha from the palette's transparency; the mode still records that the file was a palette image).
/// </summary>
public sealed class DecodedImage
{
    private readonly byte[] _pixels;

    public DecodedImage(int width, int height, PixelMode mode, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width} x {height}.");
        }

        long expected = (long)width * height * ChannelsOf(mode);
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"a {width} x {height} {mode} image needs {expected} bytes, got {pixels.LongLength}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Mode = mode;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public PixelMode Mode { get; }

    public int Channels => ChannelsOf(Mode);

    /// <summary>pixels: [Height, Width, Channels]</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>The pixels as RGB, Pillow's <c>convert("RGB")</c>: gray replicated, alpha dropped without compositing. rgb: [H, W, 3]</summary>
    internal byte[] ToRgb() => ToRgb(_pixels, Mode);

    // The same for any pixels of a mode (a crop of the image, say); palette colours are already expanded.
    internal static byte[] ToRgb(ReadOnlySpan<byte> src, PixelMode mode)
    {
        int channels = ChannelsOf(mode);
        if (channels == 3)
        {
            return src.ToArray();
        }

        int pixels = src.Length / channels;
        var rgb = new byte[pixels * 3];
        bool gray = channels <= 2;
        for (int i = 0; i < pixels; i++)
        {
            int s = i * channels;
            rgb[3 * i] = src[s];
            rgb[(3 * i) + 1] = gray ? src[s] : src[s + 1];
            rgb[(3 * i) + 2] = gray ? src[s] : src[s + 2];
        }

        return rgb;
    }

    public static int ChannelsOf(PixelMode mode) => mode switch
    {
        PixelMode.L => 1,
        PixelMode.Bilevel => 1,
        PixelMode.LA => 2,
        PixelMode.RGB => 3,
        PixelMode.RGBA => 4,
        PixelMode.P => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown pixel mode."),
    };
}

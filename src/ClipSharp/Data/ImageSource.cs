using ClipSharp.Imaging;

namespace ClipSharp.Data;

/// <summary>
/// Where a sample's image comes from, opened only when the pipeline decodes it: a file, bytes inside an archive,
/// or an image rendered on demand. Decoding runs on pipeline workers, so every loader must be thread-safe.
/// </summary>
public sealed class ImageSource
{
    private readonly Func<DecodedImage> _load;

    private ImageSource(string name, Func<DecodedImage> load)
    {
        Name = name;
        _load = load;
    }

    /// <summary>A path or an archive member, for messages.</summary>
    public string Name { get; }

    public static ImageSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new ImageSource(path, () => ImageDecoder.Decode(path));
    }

    /// <summary>An encoded image whose bytes are read by <paramref name="read"/> each time it is decoded.</summary>
    public static ImageSource FromEncoded(string name, Func<byte[]> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(read);
        return new ImageSource(name, () => ImageDecoder.Decode(read(), name));
    }

    /// <summary>Pixels produced by <paramref name="render"/> (e.g. a synthetic scene) without an encoded file.</summary>
    public static ImageSource FromPixels(string name, Func<DecodedImage> render)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(render);
        return new ImageSource(name, render);
    }

    public DecodedImage Decode() => _load();

    public override string ToString() => Name;
}

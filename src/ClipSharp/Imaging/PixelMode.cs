namespace ClipSharp.Imaging;

/// <summary>
/// The Pillow mode the reference pipeline (<c>PIL.Image.open</c>) would give a file. The mode decides how
/// <c>Image.resize</c> treats the pixels, so two files with the same colours can preprocess differently.
/// </summary>
public enum PixelMode
{
    /// <summary>8-bit grayscale: resized as one channel, then replicated to R = G = B.</summary>
    L,

    /// <summary>Grayscale + alpha: resized premultiplied, then alpha dropped.</summary>
    LA,

    /// <summary>8-bit RGB.</summary>
    RGB,

    /// <summary>RGB + alpha: resized premultiplied, then alpha dropped (no compositing).</summary>
    RGBA,

    /// <summary>Palette image: Pillow forces NEAREST resampling, then applies the palette.</summary>
    P,

    /// <summary>Pillow's mode "1" (1-bit black and white): like <see cref="P"/>, resized with NEAREST.</summary>
    Bilevel,
}

using ClipSharp.IO;
using SkiaSharp;

namespace ClipSharp.Imaging;

/// <summary>Decoded images as PNG files, written atomically.</summary>
public static class PngFile
{
    /// <summary>The image as PNG bytes (RGB; gray and palette images are converted, alpha is dropped).</summary>
    public static byte[] Encode(DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte[] rgb = image.ToRgb();
        int pixels = image.Width * image.Height;
        var rgba = new byte[pixels * 4];
        for (int i = 0; i < pixels; i++)
        {
            rgba[4 * i] = rgb[3 * i];
            rgba[(4 * i) + 1] = rgb[(3 * i) + 1];
            rgba[(4 * i) + 2] = rgb[(3 * i) + 2];
            rgba[(4 * i) + 3] = 255;
        }

        using SKImage picture = SKImage.FromPixelCopy(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
        using SKData data = picture.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("Skia could not encode the image as PNG.");
        return data.ToArray();
    }

    /// <summary>Writes <see cref="Encode"/> to <paramref name="path"/> atomically; an existing file only with <paramref name="overwrite"/>.</summary>
    public static void Save(string path, DecodedImage image, bool overwrite = false) => AtomicFile.WriteAllBytes(path, Encode(image), overwrite);
}

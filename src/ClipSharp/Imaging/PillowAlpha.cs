namespace ClipSharp.Imaging;

/// <summary>
/// Pillow's 8-bit conversions between straight and premultiplied alpha ("RGBA" ⇄ "RGBa", "LA" ⇄ "La"),
/// which <c>Image.resize</c> wraps around every non-NEAREST resize of an image with alpha.
/// </summary>
internal static class PillowAlpha
{
    /// <summary>pixels: [N, channels], alpha last; colour samples become round(c * a / 255) via Pillow's shift trick.</summary>
    public static void Premultiply(Span<byte> pixels, int channels)
    {
        for (int p = 0; p < pixels.Length; p += channels)
        {
            uint alpha = pixels[p + channels - 1];
            for (int c = 0; c < channels - 1; c++)
            {
                uint t = (pixels[p + c] * alpha) + 128;
                pixels[p + c] = (byte)(((t >> 8) + t) >> 8);
            }
        }
    }

    /// <summary>
    /// pixels: [N, channels], alpha last; colour becomes min(255, 255 * c / a) with integer division.
    /// Alpha 0 and 255 keep the colour as is, so fully transparent pixels stay 0 after a premultiplied resize.
    /// </summary>
    public static void Unpremultiply(Span<byte> pixels, int channels)
    {
        for (int p = 0; p < pixels.Length; p += channels)
        {
            int alpha = pixels[p + channels - 1];
            if (alpha is 0 or 255)
            {
                continue;
            }

            for (int c = 0; c < channels - 1; c++)
            {
                int v = 255 * pixels[p + c] / alpha;
                pixels[p + c] = (byte)(v > 255 ? 255 : v);
            }
        }
    }
}

namespace ClipSharp.Imaging;

/// <summary>
/// An image scaled down to fit a square box, for work whose cost grows with the pixels but whose answer does not
/// need them all: a heat map is made on the model's grid of a crop at its input resolution, so locating in a
/// preview-sized copy gives the preview-sized picture without making one of the full size first.
/// </summary>
public static class ImageFit
{
    /// <summary>
    /// The image scaled so that its longer side is at most <paramref name="maxSide"/>, keeping its aspect ratio (each
    /// side rounded, at least 1): converted to RGB as Pillow's <c>convert("RGB")</c> does, then Pillow's bicubic
    /// resize. An image that already fits is returned as it is: never enlarged.
    /// </summary>
    public static DecodedImage Within(DecodedImage image, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSide);
        int longer = Math.Max(image.Width, image.Height);
        if (longer <= maxSide)
        {
            return image;
        }

        double scale = (double)maxSide / longer;
        int width = Math.Clamp((int)Math.Round(image.Width * scale), 1, maxSide);
        int height = Math.Clamp((int)Math.Round(image.Height * scale), 1, maxSide);
        byte[] rgb = PillowResample.Bicubic(image.ToRgb(), image.Width, image.Height, 3, width, height);
        return new DecodedImage(width, height, PixelMode.RGB, rgb);
    }
}

using SkiaSharp;

namespace ClipSharp.Server.Tests;

/// <summary>Small distinct PNGs from a seed: a background colour and a few discs and bars.</summary>
internal static class PlantedImages
{
    public static byte[] Png(int seed, int width = 48, int height = 40)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Colour(random));
            using var paint = new SKPaint { IsAntialias = false };
            for (int s = 0; s < 5; s++)
            {
                paint.Color = Colour(random);
                float x = random.Next(width), y = random.Next(height), r = 3 + random.Next(height / 3);
                if (s % 2 == 0)
                {
                    canvas.DrawCircle(x, y, r, paint);
                }
                else
                {
                    canvas.DrawRect(x - r, y - r / 2, 2 * r, r, paint);
                }
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static SKColor Colour(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
}

using SkiaSharp;

namespace ClipSharp.Tests.Search;

/// <summary>Small distinct PNGs drawn from a seed: a background colour and a few shapes per image.</summary>
internal static class GeneratedImages
{
    public static byte[] Png(int seed, int size = 40)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var paint = new SKPaint { IsAntialias = false };
            for (int s = 0; s < 4; s++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                float x = random.Next(size), y = random.Next(size), r = 3 + random.Next(size / 3);
                if (s % 2 == 0)
                {
                    canvas.DrawCircle(x, y, r, paint);
                }
                else
                {
                    canvas.DrawRect(x - r, y - r, 2 * r, r, paint);
                }
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes <paramref name="count"/> images img_000.png… into <paramref name="folder"/> (in subfolders of 50).</summary>
    public static List<string> WriteFolder(string folder, int count, int firstSeed = 0)
    {
        var paths = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string sub = Path.Combine(folder, $"part{i / 50}");
            Directory.CreateDirectory(sub);
            string path = Path.Combine(sub, $"img_{i:D3}.png");
            File.WriteAllBytes(path, Png(firstSeed + i));
            paths.Add(path);
        }

        return paths;
    }
}

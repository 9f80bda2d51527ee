using SkiaSharp;

namespace ClipSharp.Cli.Tests;

/// <summary>Small distinct PNGs for index tests: a background colour and a few rectangles from a seed.</summary>
internal static class IndexTestImages
{
    public static List<string> WriteFolder(string folder, int count)
    {
        var paths = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string sub = Path.Combine(folder, $"set{i % 4}");
            Directory.CreateDirectory(sub);
            string path = Path.Combine(sub, $"photo_{i:D3}.png");
            File.WriteAllBytes(path, Png(i));
            paths.Add(path);
        }

        return paths;
    }

    public static byte[] Png(int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(36, 36, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var paint = new SKPaint();
            for (int s = 0; s < 3; s++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawRect(random.Next(30), random.Next(30), 4 + random.Next(16), 4 + random.Next(16), paint);
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}

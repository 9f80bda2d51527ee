using ClipSharp.Imaging;
using ClipSharp.IO;
using ClipSharp.Training.Plots;
using SkiaSharp;

namespace ClipSharp.Localization;

/// <summary>
/// PNG pictures of localisation results over the image: one panel per prompt with its heat map blended in (blue
/// cold to red hot, on the map's normalised heat), its box and a cross at the peak, captioned with the prompt; or,
/// for a segmentation, one panel with each label's colour blended in and a legend.
/// </summary>
public static class LocalizationOverlay
{
    private const float Opacity = 0.5f;

    private static readonly (float At, SKColor Color)[] s_heat =
    [
        (0f, new SKColor(48, 18, 160)), (0.25f, new SKColor(30, 140, 230)), (0.5f, new SKColor(40, 200, 110)),
        (0.75f, new SKColor(250, 210, 40)), (1f, new SKColor(220, 30, 20)),
    ];

    /// <summary>The prompts' panels side by side, as PNG bytes.</summary>
    public static byte[] Render(DecodedImage image, IReadOnlyList<PromptLocation> locations)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(locations);
        if (locations.Count == 0)
        {
            throw new ArgumentException("nothing to draw: no prompt locations.", nameof(locations));
        }

        byte[] rgb = image.ToRgb();
        int w = image.Width, h = image.Height;
        float caption = Caption(w);
        using var surface = SKSurface.Create(new SKImageInfo(w * locations.Count, h + (int)(caption * 1.6f)));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        for (int p = 0; p < locations.Count; p++)
        {
            PromptLocation location = locations[p];
            RequireSize(location.HeatMap.Width, location.HeatMap.Height, image);
            HeatMap map = location.HeatMap;
            using SKImage panel = Blend(rgb, w, h, (x, y) => HeatColor(map.Normalized(x, y)));
            float left = p * w;
            float top = caption * 1.6f;
            canvas.DrawImage(panel, left, top);
            float stroke = Math.Max(1f, w / 160f);
            using var box = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
            PixelBox b = location.Box;
            canvas.DrawRect(left + b.Left, top + b.Top, b.Width, b.Height, box);
            float arm = Math.Max(3f, w / 40f);
            float px = left + location.Peak.X + 0.5f, py = top + location.Peak.Y + 0.5f;
            canvas.DrawLine(px - arm, py, px + arm, py, box);
            canvas.DrawLine(px, py - arm, px, py + arm, box);
            PlotCanvas.Text(canvas, location.Prompt, left + (w / 2f), caption * 1.2f, caption, SKTextAlign.Center);
        }

        return Encode(surface);
    }

    /// <summary>The segmentation's panel with a legend beside it, as PNG bytes.</summary>
    public static byte[] Render(DecodedImage image, Segmentation segmentation)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(segmentation);
        RequireSize(segmentation.Width, segmentation.Height, image);
        int w = image.Width, h = image.Height;
        float caption = Caption(w);
        int rows = segmentation.Labels.Count;
        float legendWidth = caption * 2f
            + segmentation.Labels.Max(l => { using SKFont font = PlotCanvas.Font(caption); return font.MeasureText(l); });
        int height = Math.Max(h, (int)(caption * 1.6f * (rows + 1)));
        using var surface = SKSurface.Create(new SKImageInfo(w + (int)MathF.Ceiling(legendWidth + caption), height));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using SKImage panel = Blend(image.ToRgb(), w, h, (x, y) => LabelColor(segmentation[x, y]));
        canvas.DrawImage(panel, 0, 0);
        for (int l = 0; l < rows; l++)
        {
            float y = caption * 1.6f * (l + 1);
            using var swatch = new SKPaint { Color = LabelColor(l) };
            canvas.DrawRect(w + (caption * 0.5f), y - caption, caption, caption, swatch);
            PlotCanvas.Text(canvas, segmentation.Labels[l], w + (caption * 2f), y, caption);
        }

        return Encode(surface);
    }

    /// <summary>Writes <see cref="Render(DecodedImage, IReadOnlyList{PromptLocation})"/> atomically; an existing file only with <paramref name="overwrite"/>.</summary>
    public static void Save(string path, DecodedImage image, IReadOnlyList<PromptLocation> locations, bool overwrite = false)
        => AtomicFile.WriteAllBytes(path, Render(image, locations), overwrite);

    /// <summary>Writes <see cref="Render(DecodedImage, Segmentation)"/> atomically; an existing file only with <paramref name="overwrite"/>.</summary>
    public static void Save(string path, DecodedImage image, Segmentation segmentation, bool overwrite = false)
        => AtomicFile.WriteAllBytes(path, Render(image, segmentation), overwrite);

    /// <summary>Colour of label <paramref name="index"/>: the plots' palette, repeated past its length.</summary>
    public static SKColor LabelColor(int index) => PlotCanvas.Palette[index % PlotCanvas.Palette.Length];

    /// <summary>The heat colour of a normalised value in [0, 1].</summary>
    public static SKColor HeatColor(float t)
    {
        t = Math.Clamp(t, 0f, 1f);
        for (int i = 1; i < s_heat.Length; i++)
        {
            if (t <= s_heat[i].At)
            {
                (float a, SKColor ca) = s_heat[i - 1];
                (float b, SKColor cb) = s_heat[i];
                float u = (t - a) / (b - a);
                return new SKColor(Mix(ca.Red, cb.Red, u), Mix(ca.Green, cb.Green, u), Mix(ca.Blue, cb.Blue, u));
            }
        }

        return s_heat[^1].Color;
    }

    private static byte Mix(byte a, byte b, float u) => (byte)Math.Clamp(MathF.Round(a + ((b - a) * u)), 0, 255);

    private static float Caption(int width) => Math.Clamp(width / 16f, 9f, 28f);

    private static void RequireSize(int width, int height, DecodedImage image)
    {
        if (width != image.Width || height != image.Height)
        {
            throw new ArgumentException(
                $"the result is for a {width} x {height} image but the image is {image.Width} x {image.Height}.", nameof(image));
        }
    }

    // The image's RGB pixels with a colour per pixel blended over them.
    private static SKImage Blend(byte[] rgb, int w, int h, Func<int, int, SKColor> colorAt)
    {
        var rgba = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = (y * w) + x;
                SKColor c = colorAt(x, y);
                rgba[4 * i] = Mix(rgb[3 * i], c.Red, Opacity);
                rgba[(4 * i) + 1] = Mix(rgb[(3 * i) + 1], c.Green, Opacity);
                rgba[(4 * i) + 2] = Mix(rgb[(3 * i) + 2], c.Blue, Opacity);
                rgba[(4 * i) + 3] = 255;
            }
        }

        return SKImage.FromPixelCopy(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
    }

    private static byte[] Encode(SKSurface surface)
    {
        using SKImage snapshot = surface.Snapshot();
        using SKData data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}

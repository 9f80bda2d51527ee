using SkiaSharp;

namespace ClipSharp.Training.Plots;

/// <summary>Shared drawing pieces of our PNG charts: the palette, text, and saving.</summary>
internal static class PlotCanvas
{
    public static readonly SKColor[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40),
        new(148, 103, 189), new(140, 86, 75), new(227, 119, 194), new(127, 127, 127),
    ];

    /// <summary>
    /// DejaVu Sans, embedded: Skia's default typeface comes from the system's fonts, and where there are none (a
    /// container, Skia's build without fontconfig) it draws no text at all.
    /// </summary>
    private static readonly Lazy<SKTypeface> s_typeface = new(LoadTypeface);

    public static SKTypeface Typeface => s_typeface.Value;

    public static SKFont Font(float size) => new(Typeface, size);

    public static void Text(SKCanvas canvas, string text, float x, float y, float size, SKTextAlign align = SKTextAlign.Left, SKColor? color = null)
    {
        using SKFont font = Font(size);
        using var paint = new SKPaint { Color = color ?? SKColors.Black, IsAntialias = true };
        canvas.DrawText(text, x, y, align, font, paint);
    }

    private static SKTypeface LoadTypeface()
    {
        const string name = "ClipSharp.Plots.DejaVuSans.ttf";
        using Stream stream = typeof(PlotCanvas).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the embedded font {name} is missing from the assembly.");
        using SKData data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"the embedded font {name} cannot be read.");
    }

    /// <summary>Encodes the surface as PNG and writes it atomically.</summary>
    public static void Save(SKSurface surface, string path)
    {
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        IO.AtomicFile.WriteAllBytes(path, data.ToArray(), overwrite: true);
    }

    /// <summary>Round tick positions covering [min, max]: steps of 1, 2 or 5 times a power of ten.</summary>
    public static IReadOnlyList<double> Ticks(double min, double max, int target = 6)
    {
        double span = max - min;
        if (!(span > 0) || !double.IsFinite(span))
        {
            return [min];
        }

        double raw = span / target;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(min / step) * step; t <= max + (step * 1e-9); t += step)
        {
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }

        return ticks;
    }

    public static string Format(double value)
    {
        double a = Math.Abs(value);
        return a == 0 ? "0"
            : a >= 1e5 || a < 1e-3 ? value.ToString("0.#e0", System.Globalization.CultureInfo.InvariantCulture)
            : value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
    }
}

using SkiaSharp;

namespace ClipSharp.Training.Plots;

/// <summary>
/// A line chart drawn with SkiaSharp into a PNG: axes with round ticks, grid, one coloured line per series and a
/// legend. Small on purpose: the loss, learning-rate and accuracy curves of a run need nothing more.
/// </summary>
public sealed class LinePlot
{
    private const float Left = 70, Right = 20, Top = 40, Bottom = 50;

    public LinePlot(string title, string xLabel, string yLabel)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    public string Title { get; }

    public string XLabel { get; }

    public string YLabel { get; }

    public int Width { get; init; } = 800;

    public int Height { get; init; } = 480;

    /// <summary>Fixed y range (e.g. 0 to 1 for accuracies); null: fitted to the data.</summary>
    public (double Min, double Max)? YRange { get; init; }

    public List<PlotSeries> Series { get; } = [];

    public LinePlot Add(string name, IEnumerable<(double X, double Y)> points)
    {
        Series.Add(new PlotSeries(name, [.. points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))]));
        return this;
    }

    public void Save(string path)
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using SKSurface surface = SKSurface.Create(info) ?? throw new InvalidOperationException($"cannot create a {Width}×{Height} drawing surface.");
        Draw(surface.Canvas);
        PlotCanvas.Save(surface, path);
    }

    private void Draw(SKCanvas canvas)
    {
        canvas.Clear(SKColors.White);
        var all = Series.SelectMany(s => s.Points).ToList();
        double xMin = all.Count > 0 ? all.Min(p => p.X) : 0, xMax = all.Count > 0 ? all.Max(p => p.X) : 1;
        double yMin = all.Count > 0 ? all.Min(p => p.Y) : 0, yMax = all.Count > 0 ? all.Max(p => p.Y) : 1;
        if (YRange is var (lo, hi))
        {
            (yMin, yMax) = (lo, hi);
        }

        if (xMax <= xMin)
        {
            xMax = xMin + 1;
        }

        if (yMax <= yMin)
        {
            (yMin, yMax) = (yMin - 0.5, yMax + 0.5);
        }

        float plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        float X(double x) => Left + (float)((x - xMin) / (xMax - xMin) * plotW);
        float Y(double y) => Top + plotH - (float)((y - yMin) / (yMax - yMin) * plotH);

        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1, IsAntialias = true };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        foreach (double t in PlotCanvas.Ticks(xMin, xMax))
        {
            canvas.DrawLine(X(t), Top, X(t), Top + plotH, grid);
            PlotCanvas.Text(canvas, PlotCanvas.Format(t), X(t), Top + plotH + 18, 12, SKTextAlign.Center);
        }

        foreach (double t in PlotCanvas.Ticks(yMin, yMax))
        {
            canvas.DrawLine(Left, Y(t), Left + plotW, Y(t), grid);
            PlotCanvas.Text(canvas, PlotCanvas.Format(t), Left - 6, Y(t) + 4, 12, SKTextAlign.Right);
        }

        canvas.DrawRect(Left, Top, plotW, plotH, axis);
        PlotCanvas.Text(canvas, Title, Width / 2f, 24, 16, SKTextAlign.Center);
        PlotCanvas.Text(canvas, XLabel, Left + (plotW / 2), Height - 12, 13, SKTextAlign.Center);
        canvas.Save();
        canvas.RotateDegrees(-90, 16, Top + (plotH / 2));
        PlotCanvas.Text(canvas, YLabel, 16, Top + (plotH / 2), 13, SKTextAlign.Center);
        canvas.Restore();

        canvas.Save();
        canvas.ClipRect(new SKRect(Left, Top, Left + plotW, Top + plotH));
        for (int s = 0; s < Series.Count; s++)
        {
            using var line = new SKPaint
            {
                Color = PlotCanvas.Palette[s % PlotCanvas.Palette.Length],
                StrokeWidth = 2,
                IsAntialias = true,
                Style = SKPaintStyle.Stroke,
            };
            using var path = new SKPath();
            IReadOnlyList<(double X, double Y)> points = Series[s].Points;
            for (int i = 0; i < points.Count; i++)
            {
                if (i == 0)
                {
                    path.MoveTo(X(points[i].X), Y(points[i].Y));
                }
                else
                {
                    path.LineTo(X(points[i].X), Y(points[i].Y));
                }
            }

            canvas.DrawPath(path, line);
            if (points.Count == 1)
            {
                line.Style = SKPaintStyle.Fill;
                canvas.DrawCircle(X(points[0].X), Y(points[0].Y), 3, line);
            }
        }

        canvas.Restore();
        if (Series.Count > 1)
        {
            using var box = new SKPaint { Color = new SKColor(255, 255, 255, 220), Style = SKPaintStyle.Fill };
            using var frame = new SKPaint { Color = new SKColor(200, 200, 200), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
            var legend = new SKRect(Left + plotW - 222, Top + 4, Left + plotW - 6, Top + 10 + (Series.Count * 18));
            canvas.DrawRect(legend, box);
            canvas.DrawRect(legend, frame);
            for (int s = 0; s < Series.Count; s++)
            {
                float y = Top + 16 + (s * 18);
                using var swatch = new SKPaint { Color = PlotCanvas.Palette[s % PlotCanvas.Palette.Length], StrokeWidth = 3 };
                canvas.DrawLine(Left + plotW - 215, y - 4, Left + plotW - 195, y - 4, swatch);
                PlotCanvas.Text(canvas, Series[s].Name, Left + plotW - 190, y, 12);
            }
        }
    }
}

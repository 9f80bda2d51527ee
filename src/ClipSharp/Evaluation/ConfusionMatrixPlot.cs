using ClipSharp.Training.Plots;
using SkiaSharp;

namespace ClipSharp.Evaluation;

/// <summary>A confusion matrix as a PNG heat map: rows the true class, columns the predicted one, each row scaled to its total.</summary>
public static class ConfusionMatrixPlot
{
    public static void Save(string path, IReadOnlyList<string> classNames, int[,] confusion, string title = "Confusion matrix")
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(confusion);
        int c = classNames.Count;
        if (confusion.GetLength(0) != c || confusion.GetLength(1) != c)
        {
            throw new ArgumentException($"the confusion matrix must be {c}×{c} for {c} classes.", nameof(confusion));
        }

        float cell = Math.Clamp(720f / c, 8f, 48f);
        float label = Math.Clamp(cell * 0.6f, 7f, 13f);
        float margin = 14 + (classNames.Max(n => n.Length) * label * 0.6f);
        int size = (int)Math.Ceiling(margin + (c * cell) + 20);
        int height = size + 40;
        var info = new SKImageInfo(size, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using SKSurface surface = SKSurface.Create(info) ?? throw new InvalidOperationException($"cannot create a {size}×{height} drawing surface.");
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        float top = 40 + margin;
        PlotCanvas.Text(canvas, title + " (rows: true class, columns: predicted)", size / 2f, 24, 15, SKTextAlign.Center);
        using var fill = new SKPaint { IsAntialias = false };
        for (int i = 0; i < c; i++)
        {
            int total = 0;
            for (int j = 0; j < c; j++)
            {
                total += confusion[i, j];
            }

            for (int j = 0; j < c; j++)
            {
                double share = total == 0 ? 0 : confusion[i, j] / (double)total;
                byte shade = (byte)(255 - (int)Math.Round(share * 205));
                fill.Color = i == j ? new SKColor(shade, shade, 255) : new SKColor(255, shade, shade);
                canvas.DrawRect(margin + (j * cell), top + (i * cell), cell - 1, cell - 1, fill);
                if (cell >= 22 && confusion[i, j] > 0)
                {
                    PlotCanvas.Text(
                        canvas, confusion[i, j].ToString(System.Globalization.CultureInfo.InvariantCulture),
                        margin + (j * cell) + (cell / 2), top + (i * cell) + (cell / 2) + 4, label * 0.9f, SKTextAlign.Center);
                }
            }

            PlotCanvas.Text(canvas, classNames[i], margin - 6, top + (i * cell) + (cell / 2) + 4, label, SKTextAlign.Right);
        }

        for (int j = 0; j < c; j++)
        {
            canvas.Save();
            float x = margin + (j * cell) + (cell / 2) + 4;
            canvas.RotateDegrees(-90, x, top - 6);
            PlotCanvas.Text(canvas, classNames[j], x, top - 6, label);
            canvas.Restore();
        }

        // The column labels need the room above the grid; the surface is sized for the grid plus that room.
        PlotCanvas.Save(surface, path);
    }
}

namespace ClipSharp.Localization;

/// <summary>
/// Bilinear upsampling of a G×G grid laid over the model's view onto every pixel of the image, with PyTorch's
/// <c>interpolate(mode="bilinear", align_corners=False)</c> convention: cell centres at (i + 0.5)·cell, and
/// clamped at the edges, so pixels beyond the view (a non-square image's cropped strips) take the nearest edge value.
/// The weights of each column and row are computed once and shared by every grid.
/// </summary>
internal sealed class GridUpsampler
{
    private readonly int[] _x0, _x1, _y0, _y1;
    private readonly float[] _wx, _wy;

    public GridUpsampler(int grid, ModelView view, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grid, 1);
        Grid = grid;
        Width = width;
        Height = height;
        (_x0, _x1, _wx) = Axis(grid, view.Left, view.Width, width);
        (_y0, _y1, _wy) = Axis(grid, view.Top, view.Height, height);
    }

    public int Grid { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The value at pixel (x, y) of a row-major G×G <paramref name="cells"/> grid.</summary>
    public float At(ReadOnlySpan<float> cells, int x, int y)
    {
        int g = Grid;
        float wx = _wx[x], wy = _wy[y];
        int r0 = _y0[y] * g, r1 = _y1[y] * g;
        float top = ((1 - wx) * cells[r0 + _x0[x]]) + (wx * cells[r0 + _x1[x]]);
        float bottom = ((1 - wx) * cells[r1 + _x0[x]]) + (wx * cells[r1 + _x1[x]]);
        return ((1 - wy) * top) + (wy * bottom);
    }

    /// <summary>cells: [G, G] -> destination: [height, width].</summary>
    public void Upsample(ReadOnlySpan<float> cells, Span<float> destination)
    {
        for (int y = 0; y < Height; y++)
        {
            Span<float> row = destination.Slice(y * Width, Width);
            for (int x = 0; x < Width; x++)
            {
                row[x] = At(cells, x, y);
            }
        }
    }

    private static (int[] Low, int[] High, float[] Weight) Axis(int grid, double start, double extent, int pixels)
    {
        var low = new int[pixels];
        var high = new int[pixels];
        var weight = new float[pixels];
        for (int p = 0; p < pixels; p++)
        {
            double source = Math.Clamp((((p + 0.5 - start) / extent) * grid) - 0.5, 0, grid - 1);
            int i0 = (int)source;
            low[p] = i0;
            high[p] = Math.Min(i0 + 1, grid - 1);
            weight[p] = (float)(source - i0);
        }

        return (low, high, weight);
    }
}

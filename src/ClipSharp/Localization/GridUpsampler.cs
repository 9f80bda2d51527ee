using ClipSharp.Imaging;

namespace ClipSharp.Localization;

/// <summary>
/// Bilinear upsampling of a G×G grid laid over the model's view onto every pixel of the image, with PyTorch's
/// <c>interpolate(mode="bilinear", align_corners=False)</c> convention: cell centres at (i + 0.5)·cell, and
/// clamped at the edges, so pixels beyond the view (a non-square image's cropped strips) take the nearest edge value.
/// The weights of each column and row are computed once and shared by every grid.
/// </summary>
internal sealed class GridUpsampler
{
    private readonly BilinearTaps _xs, _ys;

    public GridUpsampler(int grid, ModelView view, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grid, 1);
        Grid = grid;
        Width = width;
        Height = height;
        _xs = Axis(grid, view.Left, view.Width, width);
        _ys = Axis(grid, view.Top, view.Height, height);
    }

    public int Grid { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The value at pixel (x, y) of a row-major G×G <paramref name="cells"/> grid.</summary>
    public float At(ReadOnlySpan<float> cells, int x, int y)
    {
        int g = Grid;
        float wx = _xs.Weight[x], wy = _ys.Weight[y];
        int r0 = _ys.Low[y] * g, r1 = _ys.High[y] * g;
        int x0 = _xs.Low[x], x1 = _xs.High[x];
        float top = ((1 - wx) * cells[r0 + x0]) + (wx * cells[r0 + x1]);
        float bottom = ((1 - wx) * cells[r1 + x0]) + (wx * cells[r1 + x1]);
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

    // Pixel p's centre in grid cells: the view [start, start + extent) holds the grid's G cells.
    private static BilinearTaps Axis(int grid, double start, double extent, int pixels)
        => BilinearTaps.Along(pixels, grid, p => (((p + 0.5 - start) / extent) * grid) - 0.5);
}

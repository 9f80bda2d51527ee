namespace ClipSharp.Localization;

/// <summary>
/// Where one prompt matches an image: a score for every cell of the model's G×G grid, upsampled bilinearly onto every
/// pixel of the input image. The score is the cosine similarity between the prompt's text embedding and the cell's
/// dense image feature (<see cref="LocateMethod.Dense"/>), the cell's gradient relevance
/// (<see cref="LocateMethod.Gradient"/>, non-negative, in units of cosine), or the mean drop of the prompt's
/// <see cref="LocateOptions.OcclusionScore"/> when the cell is occluded (<see cref="LocateMethod.Occlusion"/>, on a
/// grid finer than the model's; in [0, 1] under the default <see cref="OccluderSizeMerge.GeometricMean"/>, else
/// negative where covering the cell raises the score).
/// </summary>
public sealed class HeatMap
{
    private readonly float[] _values;
    private readonly float[] _cells;

    internal HeatMap(int width, int height, float[] values, int gridSize, float[] cells, ModelView view, LocateMethod method)
    {
        Method = method;
        Width = width;
        Height = height;
        _values = values;
        GridSize = gridSize;
        _cells = cells;
        View = view;

        // Of the pixels, not the cells: the upsampled map reaches a cell's value only where a pixel centre falls on
        // that cell's centre, and the peak pixel must normalise to exactly 1.
        Min = values.Min();
        Max = values.Max();
    }

    /// <summary>What the values are: cosines, gradient relevances or occlusion drops.</summary>
    public LocateMethod Method { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Score per pixel: [height, width], row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Cells per side of the grid (the model's: ViT patches per side, ResNet resolution / 32; or the occlusion stride's).</summary>
    public int GridSize { get; }

    /// <summary>Score per grid cell, before upsampling: [G, G], row-major.</summary>
    public ReadOnlySpan<float> Cells => _cells;

    /// <summary>The part of the image the grid covers; pixels outside it carry the nearest edge cell's value.</summary>
    public ModelView View { get; }

    /// <summary>The lowest pixel value (within the cells' range: bilinear weights are convex).</summary>
    public float Min { get; }

    /// <summary>The highest pixel value, the peak's.</summary>
    public float Max { get; }

    public float this[int x, int y] => _values[(y * Width) + x];

    /// <summary>
    /// The value at (x, y) rescaled to [0, 1] by this map's own min and max, which is what thresholds compare with:
    /// raw cosines of dense features sit in a narrow band whose place differs per prompt and model, and relevances have no fixed scale. A flat map is 1.
    /// </summary>
    public float Normalized(int x, int y) => Max > Min ? (this[x, y] - Min) / (Max - Min) : 1f;
}

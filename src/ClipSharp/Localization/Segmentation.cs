namespace ClipSharp.Localization;

/// <summary>
/// A label per pixel of the input image: the label whose heat map is highest there (argmax of the upsampled
/// cosines over the labels; ties go to the earlier label).
/// </summary>
public sealed class Segmentation
{
    private readonly int[] _map;
    private readonly long[] _areas;

    internal Segmentation(IReadOnlyList<string> labels, int width, int height, int[] map)
    {
        Labels = labels;
        Width = width;
        Height = height;
        _map = map;
        _areas = new long[labels.Count];
        foreach (int label in map)
        {
            _areas[label]++;
        }
    }

    public IReadOnlyList<string> Labels { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The index into <see cref="Labels"/> of every pixel: [height, width], row-major.</summary>
    public ReadOnlySpan<int> Map => _map;

    public int this[int x, int y] => _map[(y * Width) + x];

    /// <summary>Pixels given label <paramref name="label"/> (an index into <see cref="Labels"/>).</summary>
    public long Area(int label) => _areas[label];

    /// <summary>The share of the image given label <paramref name="label"/>, in [0, 1].</summary>
    public double Fraction(int label) => (double)_areas[label] / ((long)Width * Height);
}

namespace ClipSharp.Localization;

/// <summary>
/// One prompt located in an image: its <see cref="HeatMap"/>, the pixel where it peaks, the mask of pixels whose
/// normalised heat (see <see cref="HeatMap.Normalized"/>) reaches <see cref="Threshold"/>, and the bounding box of the
/// part of that mask connected (4-neighbourhood) to the peak.
/// </summary>
public sealed class PromptLocation
{
    private readonly bool[] _mask;

    private PromptLocation(string prompt, HeatMap heatMap, PixelPoint peak, float threshold, bool[] mask, long maskArea, PixelBox box)
    {
        Prompt = prompt;
        HeatMap = heatMap;
        Peak = peak;
        Threshold = threshold;
        _mask = mask;
        MaskArea = maskArea;
        Box = box;
    }

    public string Prompt { get; }

    public HeatMap HeatMap { get; }

    /// <summary>
    /// The pixel of the highest heat nearest the centre of the highest grid cell (the first row-major among equally
    /// near ones). Where the map is flat at its top, as past the outer cell centres, this is the place the cell stands
    /// for rather than the image's border.
    /// </summary>
    public PixelPoint Peak { get; }

    /// <summary>The heat at the peak: a cosine (<see cref="LocateMethod.Dense"/>) or a relevance (<see cref="LocateMethod.Gradient"/>, <see cref="LocateMethod.Occlusion"/>).</summary>
    public float PeakCosine => HeatMap[Peak.X, Peak.Y];

    /// <summary>The normalised-heat threshold of the mask, in [0, 1].</summary>
    public float Threshold { get; }

    /// <summary>[height, width], row-major: true where the normalised heat is at least <see cref="Threshold"/>.</summary>
    public ReadOnlySpan<bool> Mask => _mask;

    /// <summary>Pixels in the mask.</summary>
    public long MaskArea { get; }

    /// <summary>The mask's share of the image, in [0, 1].</summary>
    public double MaskFraction => (double)MaskArea / ((long)HeatMap.Width * HeatMap.Height);

    /// <summary>The bounding box of the mask's region around the peak; it always contains <see cref="Peak"/>.</summary>
    public PixelBox Box { get; }

    internal static PromptLocation From(string prompt, HeatMap map, float threshold)
    {
        int w = map.Width, h = map.Height;
        ReadOnlySpan<float> values = map.Values;
        int peak = PeakIndex(map);

        var mask = new bool[values.Length];
        long area = 0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                bool inside = map.Normalized(x, y) >= threshold;
                mask[(y * w) + x] = inside;
                area += inside ? 1 : 0;
            }
        }

        // The peak's normalised heat is exactly 1 >= threshold, so it is in the mask and seeds the region.
        return new PromptLocation(prompt, map, new PixelPoint(peak % w, peak / w), threshold, mask, area, RegionBox(mask, w, h, peak));
    }

    // The pixel of the highest heat nearest the centre of the highest cell (the first row-major among equals). Past
    // the outer cell centres the upsampled map is clamped, so an edge cell's maximum is a plateau reaching the image's
    // border; its first pixel would be the image's corner, not the place the cell stands for.
    private static int PeakIndex(HeatMap map)
    {
        ReadOnlySpan<float> cells = map.Cells;
        int best = 0;
        for (int c = 1; c < cells.Length; c++)
        {
            if (cells[c] > cells[best])
            {
                best = c;
            }
        }

        int g = map.GridSize;
        double cx = map.View.Left + ((best % g) + 0.5) * map.View.Width / g;
        double cy = map.View.Top + ((best / g) + 0.5) * map.View.Height / g;
        ReadOnlySpan<float> values = map.Values;
        int peak = -1;
        double nearest = double.MaxValue;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] == map.Max)
            {
                double dx = (i % map.Width) + 0.5 - cx, dy = (i / map.Width) + 0.5 - cy;
                double d = (dx * dx) + (dy * dy);
                if (d < nearest)
                {
                    peak = i;
                    nearest = d;
                }
            }
        }

        return peak;
    }

    // The bounding box of the 4-connected region of mask around seed (an explicit stack: regions can be millions of pixels).
    private static PixelBox RegionBox(bool[] mask, int w, int h, int seed)
    {
        var seen = new bool[mask.Length];
        var stack = new Stack<int>();
        stack.Push(seed);
        seen[seed] = true;
        int left = w, top = h, right = 0, bottom = 0;
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            int x = i % w, y = i / w;
            left = Math.Min(left, x);
            right = Math.Max(right, x + 1);
            top = Math.Min(top, y);
            bottom = Math.Max(bottom, y + 1);
            Visit(x > 0, i - 1);
            Visit(x + 1 < w, i + 1);
            Visit(y > 0, i - w);
            Visit(y + 1 < h, i + w);
        }

        return new PixelBox(left, top, right, bottom);

        void Visit(bool inBounds, int j)
        {
            if (inBounds && mask[j] && !seen[j])
            {
                seen[j] = true;
                stack.Push(j);
            }
        }
    }
}

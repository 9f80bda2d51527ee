namespace ClipSharp.Imaging;

/// <summary>torchvision's size arithmetic for <c>Resize(n)</c> and <c>CenterCrop(n)</c>.</summary>
public static class ClipResizeGeometry
{
    /// <summary>The shorter side becomes <paramref name="n"/>, the longer <c>int(n * long / short)</c> (truncated).</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int n)
    {
        if (width <= 0 || height <= 0 || n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"sizes must be positive, got {width} x {height} -> {n}.");
        }

        bool portrait = width <= height;
        int shortSide = portrait ? width : height;
        int longSide = portrait ? height : width;

        // Python's true division of two ints is correctly rounded, as is the division of the exact doubles here.
        double scaled = (double)((long)n * longSide) / shortSide;
        if (scaled >= int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"resizing {width} x {height} to a shorter side of {n} gives a longer side over int range.");
        }

        int newLong = (int)scaled;
        return portrait ? (n, newLong) : (newLong, n);
    }

    /// <summary><c>round((size - n) / 2)</c> with Python's round-half-to-even (597 rows → top 186).</summary>
    public static int CenterCropOffset(int size, int n) =>
        (int)Math.Round((size - n) / 2.0, MidpointRounding.ToEven);
}

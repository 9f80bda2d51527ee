namespace ClipSharp.Imaging;

/// <summary>
/// Bilinear sampling along one axis: for each output index, the two source indices it reads and the weight of the
/// second. Source positions are clamped to [0, n − 1], so outputs past the outer sample centres repeat the edge
/// (PyTorch's <c>align_corners=False</c> at the borders). Callers give the position of each output's centre in source
/// indices; heat-map upsampling and the generator's crops each keep their own formula for it.
/// </summary>
internal sealed record BilinearTaps(int[] Low, int[] High, float[] Weight)
{
    /// <param name="outputs">Output indices along the axis.</param>
    /// <param name="sourceSize">Source indices along the axis.</param>
    /// <param name="position">Output index → its centre in source index units (cell centres at integers).</param>
    public static BilinearTaps Along(int outputs, int sourceSize, Func<int, double> position)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceSize, 1);
        ArgumentNullException.ThrowIfNull(position);
        var taps = new BilinearTaps(new int[outputs], new int[outputs], new float[outputs]);
        for (int i = 0; i < outputs; i++)
        {
            double at = Math.Clamp(position(i), 0, sourceSize - 1);
            int low = (int)at;
            taps.Low[i] = low;
            taps.High[i] = Math.Min(low + 1, sourceSize - 1);
            taps.Weight[i] = (float)(at - low);
        }

        return taps;
    }
}

namespace ClipSharp.Generation;

/// <summary>
/// The smoothness penalty: the mean squared difference between horizontally and vertically neighbouring pixels of
/// an RGB image, and its gradient. Squared rather than absolute so that the gradient has no kink at zero.
/// </summary>
internal static class TotalVariation
{
    // rgb: [3, n, n] -> the penalty; its gradient times weight is added to dRgb.
    public static double Accumulate(ReadOnlySpan<float> rgb, int n, float weight, Span<float> dRgb)
    {
        double pairs = 3.0 * 2 * n * (n - 1);
        if (pairs == 0)
        {
            return 0;
        }

        double sum = 0;
        float scale = (float)(2 * weight / pairs);
        for (int c = 0; c < 3; c++)
        {
            int plane = c * n * n;
            for (int y = 0; y < n; y++)
            {
                for (int x = 0; x < n; x++)
                {
                    int i = plane + (y * n) + x;
                    if (x + 1 < n)
                    {
                        float d = rgb[i + 1] - rgb[i];
                        sum += d * d;
                        dRgb[i + 1] += scale * d;
                        dRgb[i] -= scale * d;
                    }

                    if (y + 1 < n)
                    {
                        float d = rgb[i + n] - rgb[i];
                        sum += d * d;
                        dRgb[i + n] += scale * d;
                        dRgb[i] -= scale * d;
                    }
                }
            }
        }

        return sum / pairs;
    }
}

namespace ClipSharp.Tests.Layers;

/// <summary>
/// Central finite differences of a scalar loss (computed in double over float32 layer outputs) against an analytic
/// gradient, at a spread of sampled elements.
/// </summary>
internal static class GradCheck
{
    public static void Check(string what, float[] values, ReadOnlySpan<float> analytic, Func<double> loss, int samples = 10, float step = 1e-2f, double tolerance = 2e-2)
    {
        Assert.Equal(values.Length, analytic.Length);
        double scale = 0;
        foreach (float g in analytic)
        {
            scale = Math.Max(scale, Math.Abs(g));
        }

        Assert.True(scale > 0, $"{what}: the analytic gradient is all zeros, nothing would be checked");
        int count = Math.Min(samples, values.Length);
        for (int k = 0; k < count; k++)
        {
            int i = count == values.Length ? k : (int)((k * 7919L) % values.Length);
            float saved = values[i];
            values[i] = saved + step;
            double plus = loss();
            values[i] = saved - step;
            double minus = loss();
            values[i] = saved;
            double numeric = (plus - minus) / (2.0 * step);
            double error = Math.Abs(numeric - analytic[i]);
            Assert.True(
                error <= tolerance * Math.Max(scale * 0.1, Math.Abs(numeric)),
                $"{what}[{i}]: analytic {analytic[i]}, finite difference {numeric} (largest |gradient| {scale})");
        }
    }

    /// <summary>Σ r·y in double: a loss whose gradient with respect to y is r.</summary>
    public static double Dot(ReadOnlySpan<float> r, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (double)r[i] * y[i];
        }

        return sum;
    }
}

namespace ClipSharp.Tensors.Tests.Kernels;

/// <summary>Central differences of a scalar loss computed in double over float32 kernel outputs.</summary>
internal static class FiniteDifference
{
    public static void Check(string what, float[] x, ReadOnlySpan<float> analytic, Func<double> loss, float step = 1e-2f, double rtol = 1e-2, double atol = 2e-3)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + step;
            double plus = loss();
            x[i] = saved - step;
            double minus = loss();
            x[i] = saved;
            double numeric = (plus - minus) / (2 * step);
            Assert.True(
                Math.Abs(numeric - analytic[i]) <= atol + (rtol * Math.Abs(numeric)),
                $"{what}[{i}]: analytic {analytic[i]}, finite difference {numeric}");
        }
    }

    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}

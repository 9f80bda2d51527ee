namespace ClipSharp.Tensors.Kernels.Reference;

internal static class ActivationReference
{
    // CLIP's MLP activation: x·σ(1.702x).
    public static void QuickGelu(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(v / (1.0 + Math.Exp(-1.702 * v)));
        }
    }

    // Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(0.5 * v * (1.0 + Erf(v / Math.Sqrt(2.0))));
        }
    }

    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : 0f;
        }
    }

    // dx = dy·d/dx[x·σ(1.702x)] = dy·σ·(1 + 1.702·x·(1 − σ)), x the forward input.
    public static void QuickGeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double s = 1.0 / (1.0 + Math.Exp(-1.702 * v));
            dx[i] = (float)(dy[i] * s * (1.0 + (1.702 * v * (1.0 - s))));
        }
    }

    // dx = dy·(Φ(x) + x·φ(x)), x the forward input.
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double cdf = 0.5 * (1.0 + Erf(v / Math.Sqrt(2.0)));
            double pdf = Math.Exp(-0.5 * v * v) / Math.Sqrt(2.0 * Math.PI);
            dx[i] = (float)(dy[i] * (cdf + (v * pdf)));
        }
    }

    // dx = y > 0 ? dy : 0, y the forward output.
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }

    // Abramowitz–Stegun 7.1.26 is too coarse for an oracle; this series/continued fraction pair
    // is accurate to ~1e-15, far below float32 resolution.
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        double ax = Math.Abs(x);
        double result;
        if (ax < 2.5)
        {
            // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)).
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / ((2 * n) + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            result = 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        else if (ax > 6.0)
        {
            result = 1.0;
        }
        else
        {
            // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...))))) (Lentz-free backward evaluation).
            double f = ax;
            for (int n = 60; n >= 1; n--)
            {
                f = ax + (n / 2.0 / f);
            }

            result = 1.0 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f);
        }

        return x < 0 ? -result : result;
    }
}

namespace ClipSharp.Imaging;

/// <summary>
/// Pillow's per-axis filter taps for one separable resize pass (<c>precompute_coeffs</c> +
/// <c>normalize_coeffs_8bpc</c>), reproduced operation for operation in double precision so that the
/// fixed-point weights, and therefore the output bytes, are identical.
/// </summary>
internal sealed class ResampleCoefficients
{
    /// <summary>Fraction bits of the fixed-point weights: 32 - 8 (result) - 2 (headroom for negative lobes).</summary>
    public const int PrecisionBits = 22;

    private ResampleCoefficients(int[] first, int[] count, int[] weights, int taps)
    {
        First = first;
        Count = count;
        Weights = weights;
        Taps = taps;
    }

    /// <summary>First source index read by each output index.</summary>
    public int[] First { get; }

    /// <summary>Number of source samples read by each output index.</summary>
    public int[] Count { get; }

    /// <summary>weights: [outSize, Taps], fixed point with <see cref="PrecisionBits"/> fraction bits.</summary>
    public int[] Weights { get; }

    public int Taps { get; }

    /// <summary>Taps for the cubic filter (a = -0.5, support 2) mapping <paramref name="inSize"/> samples to <paramref name="outSize"/>.</summary>
    public static ResampleCoefficients Bicubic(int inSize, int outSize)
    {
        const double filterSupport = 2.0;

        // Pillow passes the box edges as float; (float)inSize matters only beyond 2^24 but is kept for fidelity.
        double scale = (double)(float)inSize / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale; // enlarging interpolates; shrinking widens the kernel (antialias)
        double support = filterSupport * filterScale;
        int taps = ((int)Math.Ceiling(support) * 2) + 1;
        if ((long)taps * outSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(outSize), $"resampling {inSize} -> {outSize} needs too many filter taps.");
        }

        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[taps * outSize];
        var k = new double[taps];
        double inverse = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;

            // (int) truncates toward zero exactly like the C cast; both ends are then clamped into the image.
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }

            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }

            xmax -= xmin;
            double sum = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Cubic((x + xmin - center + 0.5) * inverse);
                k[x] = w;
                sum += w;
            }

            Span<int> row = weights.AsSpan(xx * taps, taps);
            for (int x = 0; x < xmax; x++)
            {
                double normalized = sum != 0.0 ? k[x] / sum : k[x];
                row[x] = ToFixed(normalized);
            }

            first[xx] = xmin;
            count[xx] = xmax;
        }

        return new ResampleCoefficients(first, count, weights, taps);
    }

    /// <summary>Keys' cubic convolution kernel with a = -0.5, evaluated in the same operation order as Pillow.</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((((x - 5) * x) + 8) * x) - 4)) * a;
        }

        return 0.0;
    }

    /// <summary>Rounds half away from zero, as <c>(int)(k * 2^22 ± 0.5)</c> does in C.</summary>
    private static int ToFixed(double k) =>
        k < 0 ? (int)(-0.5 + (k * (1 << PrecisionBits))) : (int)(0.5 + (k * (1 << PrecisionBits)));
}

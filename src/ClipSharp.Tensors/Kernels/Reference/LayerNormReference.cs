namespace ClipSharp.Tensors.Kernels.Reference;

internal static class LayerNormReference
{
    // x, y: [rows, cols]; weight, bias: [cols]. Biased variance, as torch.nn.LayerNorm.
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, int rows, int cols, float eps = 1e-5f)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            double mean = 0;
            for (int i = 0; i < cols; i++)
            {
                mean += xr[i];
            }

            mean /= cols;
            double variance = 0;
            for (int i = 0; i < cols; i++)
            {
                double d = xr[i] - mean;
                variance += d * d;
            }

            variance /= cols;
            double rstd = 1.0 / Math.Sqrt(variance + eps);
            for (int i = 0; i < cols; i++)
            {
                yr[i] = (float)(((xr[i] - mean) * rstd * weight[i]) + bias[i]);
            }
        }
    }
}

namespace ClipSharp.Tensors.Kernels.Reference;

internal static class BatchNormReference
{
    // Eval mode: x, y: [N, C, S] with S = H*W; per-channel running statistics.
    public static void Inference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y,
        int batch, int channels, int spatial, float eps = 1e-5f)
    {
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                double rstd = 1.0 / Math.Sqrt(runningVar[c] + (double)eps);
                int offset = ((n * channels) + c) * spatial;
                for (int s = 0; s < spatial; s++)
                {
                    y[offset + s] = (float)(((x[offset + s] - (double)runningMean[c]) * rstd * weight[c]) + bias[c]);
                }
            }
        }
    }
}

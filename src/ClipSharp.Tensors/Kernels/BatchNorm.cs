using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class BatchNorm
{
    // Eval mode. x, y: [N, C, S]; y may alias x.
    public static void Inference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y,
        int batch, int channels, int spatial, float eps = 1e-5f)
        => BatchNormReference.Inference(x, weight, bias, runningMean, runningVar, y, batch, channels, spatial, eps);
}

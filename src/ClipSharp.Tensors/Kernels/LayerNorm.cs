using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class LayerNorm
{
    // x, y: [rows, cols]; weight, bias: [cols].
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, int rows, int cols, float eps = 1e-5f)
        => LayerNormReference.Forward(x, weight, bias, y, rows, cols, eps);
}

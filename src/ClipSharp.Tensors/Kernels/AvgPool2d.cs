using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class AvgPool2d
{
    public static int OutputSize(int input, int kernel, int stride) => ((input - kernel) / stride) + 1;

    // x: [N, C, H, W]; y: [N, C, OH, OW].
    public static void Forward(
        ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width, int kernel, int stride)
        => AvgPool2dReference.Forward(x, y, batch, channels, height, width, kernel, stride);
}

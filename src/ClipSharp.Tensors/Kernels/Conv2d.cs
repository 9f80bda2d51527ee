using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class Conv2d
{
    public static int OutputSize(int input, int kernel, int stride, int padding)
        => ((input + (2 * padding) - kernel) / stride) + 1;

    // x: [N, C, H, W]; weight: [O, C, KH, KW]; bias: [O] or empty; y: [N, O, OH, OW].
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int stride, int padding)
        => Conv2dReference.Forward(x, weight, bias, y, batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding);
}

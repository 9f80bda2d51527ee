namespace ClipSharp.Tensors.Kernels;

public static class AvgPool2dBackward
{
    // dy: [N, C, OH, OW] -> dx: [N, C, H, W], overwritten: each input cell gets dy/k² from every window holding it.
    public static void Backward(
        ReadOnlySpan<float> dy, Span<float> dx, int batch, int channels, int height, int width, int kernel, int stride)
    {
        KernelArgs.Positive(kernel, nameof(kernel));
        KernelArgs.Positive(stride, nameof(stride));
        int oh = AvgPool2d.OutputSize(height, kernel, stride);
        int ow = AvgPool2d.OutputSize(width, kernel, stride);
        long planes = (long)batch * channels;
        KernelArgs.Length(dy.Length, planes * oh * ow, nameof(dy), $"[N={batch}, C={channels}, OH={oh}, OW={ow}]");
        KernelArgs.Length(dx.Length, planes * height * width, nameof(dx), $"[N={batch}, C={channels}, H={height}, W={width}]");
        dx.Clear();
        float inv = 1f / (kernel * kernel);
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> dyPlane = dy.Slice(p * oh * ow, oh * ow);
            Span<float> dxPlane = dx.Slice(p * height * width, height * width);
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    float g = dyPlane[(r * ow) + c] * inv;
                    for (int i = 0; i < kernel; i++)
                    {
                        int row = ((r * stride) + i) * width;
                        for (int j = 0; j < kernel; j++)
                        {
                            dxPlane[row + (c * stride) + j] += g;
                        }
                    }
                }
            }
        }
    }
}

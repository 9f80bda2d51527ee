namespace ClipSharp.Tensors.Kernels.Reference;

internal static class AvgPool2dReference
{
    // x: [N, C, H, W]; y: [N, C, OH, OW]; no padding, floor division of the output size (nn.AvgPool2d defaults).
    public static void Forward(
        ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width, int kernel, int stride)
    {
        int oh = ((height - kernel) / stride) + 1;
        int ow = ((width - kernel) / stride) + 1;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < kernel; i++)
                    {
                        for (int j = 0; j < kernel; j++)
                        {
                            sum += x[(plane * height * width) + (((r * stride) + i) * width) + (c * stride) + j];
                        }
                    }

                    y[(plane * oh * ow) + (r * ow) + c] = (float)(sum / (kernel * kernel));
                }
            }
        }
    }
}

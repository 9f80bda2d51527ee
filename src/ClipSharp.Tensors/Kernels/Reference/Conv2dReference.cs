namespace ClipSharp.Tensors.Kernels.Reference;

internal static class Conv2dReference
{
    // x: [N, C, H, W]; weight: [O, C, KH, KW]; bias: [O] or empty; y: [N, O, OH, OW], zero padding.
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int stride, int padding)
    {
        int oh = Conv2d.OutputSize(height, kernelH, stride, padding);
        int ow = Conv2d.OutputSize(width, kernelW, stride, padding);
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outChannels; o++)
            {
                for (int r = 0; r < oh; r++)
                {
                    for (int col = 0; col < ow; col++)
                    {
                        double sum = bias.IsEmpty ? 0 : bias[o];
                        for (int c = 0; c < inChannels; c++)
                        {
                            for (int i = 0; i < kernelH; i++)
                            {
                                int yy = (r * stride) - padding + i;
                                if (yy < 0 || yy >= height)
                                {
                                    continue;
                                }

                                for (int j = 0; j < kernelW; j++)
                                {
                                    int xx = (col * stride) - padding + j;
                                    if (xx < 0 || xx >= width)
                                    {
                                        continue;
                                    }

                                    sum += (double)x[(((((n * inChannels) + c) * height) + yy) * width) + xx]
                                        * weight[(((((o * inChannels) + c) * kernelH) + i) * kernelW) + j];
                                }
                            }
                        }

                        y[(((((n * outChannels) + o) * oh) + r) * ow) + col] = (float)sum;
                    }
                }
            }
        }
    }
}

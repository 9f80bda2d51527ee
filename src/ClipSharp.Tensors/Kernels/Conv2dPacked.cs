using System.Buffers;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// <see cref="Conv2d.Forward"/> with the weight [O, C·KH·KW] held as a reduced-precision <see cref="PackedWeight"/>.
/// The packed weight is the GEMM's B operand, so per image the product is taken the other way round,
/// out[pixels, O] = colsᵀ · Wᵀ, and transposed into y [O, pixels] while the bias is added.
/// </summary>
public static class Conv2dPacked
{
    // x: [N, C, H, W]; weight: [O, C·K·K] packed; bias: [O] or empty; y: [N, O, OH, OW], zero padding.
    public static void Forward(
        ReadOnlySpan<float> x, PackedWeight weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding)
        => Forward(x, weight, bias, y, batch, inChannels, height, width, kernel, stride, padding, KernelIsas.Best);

    // The entry tests use to force the instruction set (the weight must be packed for it).
    internal static void Forward(
        ReadOnlySpan<float> x, PackedWeight weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, KernelIsa isa)
    {
        ArgumentNullException.ThrowIfNull(weight);
        KernelArgs.NonNegative(batch, nameof(batch));
        KernelArgs.Positive(inChannels, nameof(inChannels));
        KernelArgs.Positive(height, nameof(height));
        KernelArgs.Positive(width, nameof(width));
        KernelArgs.Positive(kernel, nameof(kernel));
        KernelArgs.Positive(stride, nameof(stride));
        KernelArgs.NonNegative(padding, nameof(padding));
        int depth = inChannels * kernel * kernel;
        int outChannels = weight.OutFeatures;
        if (weight.InFeatures != depth)
        {
            throw new ArgumentException(
                $"the packed weight takes {weight.InFeatures} inputs per output channel but C·K·K = {inChannels}·{kernel}·{kernel} = {depth}.",
                nameof(weight));
        }

        if (kernel > height + (2 * padding) || kernel > width + (2 * padding))
        {
            throw new ArgumentException($"kernel {kernel}x{kernel} is larger than the padded {height}x{width} input (padding {padding}).", nameof(weight));
        }

        int oh = Conv2d.OutputSize(height, kernel, stride, padding);
        int ow = Conv2d.OutputSize(width, kernel, stride, padding);
        KernelArgs.Length(x.Length, (long)batch * inChannels * height * width, nameof(x), $"[N={batch}, C={inChannels}, H={height}, W={width}]");
        if (!bias.IsEmpty)
        {
            KernelArgs.Length(bias.Length, outChannels, nameof(bias), $"[O={outChannels}] (or empty for no bias)");
        }

        KernelArgs.Length(y.Length, (long)batch * outChannels * oh * ow, nameof(y), $"[N={batch}, O={outChannels}, OH={oh}, OW={ow}]");
        if (batch == 0)
        {
            return;
        }

        int pixels = oh * ow;
        int imageIn = inChannels * height * width;
        int imageOut = outChannels * pixels;
        bool direct = kernel == 1 && stride == 1 && padding == 0;
        float[]? cols = direct ? null : ArrayPool<float>.Shared.Rent(depth * pixels);
        float[] transposed = ArrayPool<float>.Shared.Rent(pixels * outChannels);
        try
        {
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> unfolded = x.Slice(n * imageIn, imageIn);
                if (cols is not null)
                {
                    Conv2d.Im2Col(unfolded, cols, inChannels, height, width, kernel, kernel, stride, padding, oh, ow);
                    unfolded = cols.AsSpan(0, depth * pixels);
                }

                // unfolded: [depth, pixels] is A stored transposed -> out: [pixels, O].
                Span<float> output = transposed.AsSpan(0, pixels * outChannels);
                Gemm.SgemmPacked(true, pixels, 1f, unfolded, pixels, weight, 0f, output, outChannels, isa, Parallelism.MaxThreads);
                Span<float> yImage = y.Slice(n * imageOut, imageOut);
                for (int o = 0; o < outChannels; o++)
                {
                    float b = bias.IsEmpty ? 0f : bias[o];
                    Span<float> plane = yImage.Slice(o * pixels, pixels);
                    for (int px = 0; px < pixels; px++)
                    {
                        plane[px] = output[(px * outChannels) + o] + b;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(transposed);
            if (cols is not null)
            {
                ArrayPool<float>.Shared.Return(cols);
            }
        }
    }
}

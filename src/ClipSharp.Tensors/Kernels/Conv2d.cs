using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ClipSharp.Tensors.Kernels;

public static class Conv2d
{
    public static int OutputSize(int input, int kernel, int stride, int padding)
        => ((input + (2 * padding) - kernel) / stride) + 1;

    // x: [N, C, H, W]; weight: [O, C, KH, KW]; bias: [O] or empty; y: [N, O, OH, OW], zero padding.
    // Per image, y_n[O, OH*OW] = weight[O, C*KH*KW] · cols[C*KH*KW, OH*OW] with cols the unfolded
    // input (im2col, one pooled image-sized buffer); a 1×1 stride-1 unpadded conv needs no
    // unfolding, x_n[C, H*W] already is cols. The ViT patch conv (kernel = stride) unfolds each
    // patch into a column.
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int stride, int padding)
    {
        KernelArgs.NonNegative(batch, nameof(batch));
        KernelArgs.Positive(inChannels, nameof(inChannels));
        KernelArgs.Positive(height, nameof(height));
        KernelArgs.Positive(width, nameof(width));
        KernelArgs.Positive(outChannels, nameof(outChannels));
        KernelArgs.Positive(kernelH, nameof(kernelH));
        KernelArgs.Positive(kernelW, nameof(kernelW));
        KernelArgs.Positive(stride, nameof(stride));
        KernelArgs.NonNegative(padding, nameof(padding));
        if (kernelH > height + (2 * padding) || kernelW > width + (2 * padding))
        {
            throw new ArgumentException(
                $"kernel {kernelH}x{kernelW} is larger than the padded {height}x{width} input (padding {padding}).", nameof(weight));
        }

        int oh = OutputSize(height, kernelH, stride, padding);
        int ow = OutputSize(width, kernelW, stride, padding);
        KernelArgs.Length(x.Length, (long)batch * inChannels * height * width, nameof(x), $"[N={batch}, C={inChannels}, H={height}, W={width}]");
        KernelArgs.Length(
            weight.Length, (long)outChannels * inChannels * kernelH * kernelW, nameof(weight),
            $"[O={outChannels}, C={inChannels}, KH={kernelH}, KW={kernelW}]");
        if (!bias.IsEmpty)
        {
            KernelArgs.Length(bias.Length, outChannels, nameof(bias), $"[O={outChannels}] (or empty for no bias)");
        }

        KernelArgs.Length(y.Length, (long)batch * outChannels * oh * ow, nameof(y), $"[N={batch}, O={outChannels}, OH={oh}, OW={ow}]");
        if (batch == 0)
        {
            return;
        }

        int depth = inChannels * kernelH * kernelW;
        int pixels = oh * ow;
        int imageIn = inChannels * height * width;
        int imageOut = outChannels * pixels;
        bool direct = kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0;
        float[]? cols = direct ? null : ArrayPool<float>.Shared.Rent(depth * pixels);
        try
        {
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> image = x.Slice(n * imageIn, imageIn);
                ReadOnlySpan<float> unfolded = image;
                if (cols is not null)
                {
                    Im2Col(image, cols, inChannels, height, width, kernelH, kernelW, stride, padding, oh, ow);
                    unfolded = cols.AsSpan(0, depth * pixels);
                }

                Span<float> yImage = y.Slice(n * imageOut, imageOut);
                Gemm.Sgemm(false, false, outChannels, pixels, depth, 1f, weight, depth, unfolded, pixels, 0f, yImage, pixels);
                if (!bias.IsEmpty)
                {
                    for (int o = 0; o < outChannels; o++)
                    {
                        Span<float> plane = yImage.Slice(o * pixels, pixels);
                        TensorPrimitives.Add(plane, bias[o], plane);
                    }
                }
            }
        }
        finally
        {
            if (cols is not null)
            {
                ArrayPool<float>.Shared.Return(cols);
            }
        }
    }

    // image: [C, H, W] → cols: [C*KH*KW, OH*OW], zero where the window hangs over the padding.
    internal static void Im2Col(
        ReadOnlySpan<float> image, Span<float> cols, int channels, int height, int width,
        int kernelH, int kernelW, int stride, int padding, int oh, int ow)
    {
        ref float src = ref MemoryMarshal.GetReference(image);
        ref float dst = ref MemoryMarshal.GetReference(cols);
        int pixels = oh * ow;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < kernelH; i++)
            {
                for (int j = 0; j < kernelW; j++)
                {
                    ref float row = ref Unsafe.Add(ref dst, (nint)((((c * kernelH) + i) * kernelW) + j) * pixels);
                    for (int r = 0; r < oh; r++)
                    {
                        ref float outRow = ref Unsafe.Add(ref row, r * ow);
                        int yy = (r * stride) - padding + i;
                        if ((uint)yy >= (uint)height)
                        {
                            MemoryMarshal.CreateSpan(ref outRow, ow).Clear();
                            continue;
                        }

                        ref float inRow = ref Unsafe.Add(ref src, (nint)((c * height) + yy) * width);
                        if (stride == 1)
                        {
                            // Output columns [lo, hi) read input columns col − padding + j inside the image.
                            int lo = Math.Min(ow, Math.Max(0, padding - j));
                            int hi = Math.Max(lo, Math.Min(ow, width + padding - j));
                            MemoryMarshal.CreateSpan(ref outRow, lo).Clear();
                            if (hi > lo)
                            {
                                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref inRow, lo - padding + j), hi - lo)
                                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outRow, lo), hi - lo));
                            }

                            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref outRow, hi), ow - hi).Clear();
                            continue;
                        }

                        for (int col = 0; col < ow; col++)
                        {
                            int xx = (col * stride) - padding + j;
                            Unsafe.Add(ref outRow, col) = (uint)xx < (uint)width ? Unsafe.Add(ref inRow, xx) : 0f;
                        }
                    }
                }
            }
        }
    }
}

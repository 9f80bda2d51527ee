using System.Buffers;

namespace ClipSharp.Tensors.Kernels;

public static class Conv2dBackward
{
    // x: [N, C, H, W] (the forward input); weight: [O, C, KH, KW]; dy: [N, O, OH, OW].
    // dx: [N, C, H, W], overwritten, or empty to skip (the image itself needs no gradient);
    // dWeight: [O, C, KH, KW] and dBias: [O] (or empty) accumulate.
    // Per image, with cols[C·KH·KW, OH·OW] the unfolded input as in the forward pass:
    // dWeight += dy_n · colsᵀ and dcols = weightᵀ · dy_n, folded back into dx_n (overlapping windows add).
    public static void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dWeight, Span<float> dBias,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int stride, int padding)
    {
        KernelArgs.Positive(batch, nameof(batch));
        KernelArgs.Positive(inChannels, nameof(inChannels));
        KernelArgs.Positive(outChannels, nameof(outChannels));
        KernelArgs.Positive(kernelH, nameof(kernelH));
        KernelArgs.Positive(kernelW, nameof(kernelW));
        KernelArgs.Positive(stride, nameof(stride));
        KernelArgs.NonNegative(padding, nameof(padding));
        int oh = ((height + (2 * padding) - kernelH) / stride) + 1;
        int ow = ((width + (2 * padding) - kernelW) / stride) + 1;
        int inPlane = height * width;
        int outPlane = oh * ow;
        int patch = inChannels * kernelH * kernelW;
        KernelArgs.Length(x.Length, (long)batch * inChannels * inPlane, nameof(x), $"[N={batch}, C={inChannels}, H={height}, W={width}]");
        KernelArgs.Length(dy.Length, (long)batch * outChannels * outPlane, nameof(dy), $"[N={batch}, O={outChannels}, OH={oh}, OW={ow}]");
        KernelArgs.Length(weight.Length, (long)outChannels * patch, nameof(weight), $"[O={outChannels}, C={inChannels}, KH={kernelH}, KW={kernelW}]");
        KernelArgs.Length(dWeight.Length, (long)outChannels * patch, nameof(dWeight), $"[O={outChannels}, C={inChannels}, KH={kernelH}, KW={kernelW}]");
        if (!dx.IsEmpty)
        {
            KernelArgs.Length(dx.Length, (long)batch * inChannels * inPlane, nameof(dx), $"[N={batch}, C={inChannels}, H={height}, W={width}]");
        }

        // Scratch for one image's unfolded patches and their gradient, rented so that a training step allocates nothing.
        float[] cols = ArrayPool<float>.Shared.Rent(patch * outPlane);
        float[]? dcols = dx.IsEmpty ? null : ArrayPool<float>.Shared.Rent(patch * outPlane);
        try
        {
            Run(
                x, weight, dy, dx, dWeight, dBias, batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, oh, ow,
                cols.AsSpan(0, patch * outPlane), dcols is null ? default : dcols.AsSpan(0, patch * outPlane));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cols);
            if (dcols is not null)
            {
                ArrayPool<float>.Shared.Return(dcols);
            }
        }
    }

    private static void Run(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias,
        int batch, int inChannels, int height, int width, int outChannels, int kernelH, int kernelW, int stride, int padding, int oh, int ow,
        Span<float> cols, Span<float> dcols)
    {
        int inPlane = height * width;
        int outPlane = oh * ow;
        int patch = inChannels * kernelH * kernelW;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> xn = x.Slice(n * inChannels * inPlane, inChannels * inPlane);
            ReadOnlySpan<float> dyn = dy.Slice(n * outChannels * outPlane, outChannels * outPlane);
            Unfold(xn, cols, inChannels, height, width, kernelH, kernelW, stride, padding, oh, ow);
            Gemm.Sgemm(false, true, outChannels, patch, outPlane, 1f, dyn, outPlane, cols, outPlane, 1f, dWeight, patch);
            if (!dBias.IsEmpty)
            {
                for (int o = 0; o < outChannels; o++)
                {
                    dBias[o] += System.Numerics.Tensors.TensorPrimitives.Sum(dyn.Slice(o * outPlane, outPlane));
                }
            }

            if (!dcols.IsEmpty)
            {
                Gemm.Sgemm(true, false, patch, outPlane, outChannels, 1f, weight, patch, dyn, outPlane, 0f, dcols, outPlane);
                Span<float> dxn = dx.Slice(n * inChannels * inPlane, inChannels * inPlane);
                dxn.Clear();
                Fold(dcols, dxn, inChannels, height, width, kernelH, kernelW, stride, padding, oh, ow);
            }
        }
    }

    // x_n: [C, H, W] -> cols: [C·KH·KW, OH·OW], zeros where a window reads padding.
    private static void Unfold(
        ReadOnlySpan<float> x, Span<float> cols, int channels, int height, int width,
        int kh, int kw, int stride, int padding, int oh, int ow)
    {
        int outPlane = oh * ow;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++)
                {
                    Span<float> row = cols.Slice((((c * kh) + i) * kw + j) * outPlane, outPlane);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int iy = (oy * stride) - padding + i;
                        for (int ox = 0; ox < ow; ox++)
                        {
                            int ix = (ox * stride) - padding + j;
                            row[(oy * ow) + ox] = (uint)iy < (uint)height && (uint)ix < (uint)width
                                ? x[(((c * height) + iy) * width) + ix]
                                : 0f;
                        }
                    }
                }
            }
        }
    }

    // The adjoint of Unfold: cols: [C·KH·KW, OH·OW] added into dx_n: [C, H, W].
    private static void Fold(
        ReadOnlySpan<float> cols, Span<float> dx, int channels, int height, int width,
        int kh, int kw, int stride, int padding, int oh, int ow)
    {
        int outPlane = oh * ow;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++)
                {
                    ReadOnlySpan<float> row = cols.Slice((((c * kh) + i) * kw + j) * outPlane, outPlane);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int iy = (oy * stride) - padding + i;
                        if ((uint)iy >= (uint)height)
                        {
                            continue;
                        }

                        for (int ox = 0; ox < ow; ox++)
                        {
                            int ix = (ox * stride) - padding + j;
                            if ((uint)ix < (uint)width)
                            {
                                dx[(((c * height) + iy) * width) + ix] += row[(oy * ow) + ox];
                            }
                        }
                    }
                }
            }
        }
    }
}

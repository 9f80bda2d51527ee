using System.Buffers;

namespace ClipSharp.Tensors.Kernels;

public static class LayerNormBackward
{
    // x, dy, dx: [rows, cols]; weight, dWeight, dBias: [cols]. The row statistics are recomputed from x (cheaper
    // than keeping them). dx is overwritten; dWeight and dBias accumulate, so a gradient buffer can gather several
    // calls. With xhat = (x - mean)·rstd and g = dy·weight:
    // dx = rstd · (g - mean(g) - xhat · mean(g · xhat)).
    public static void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dWeight, Span<float> dBias, int rows, int cols, float eps = 1e-5f)
    {
        KernelArgs.NonNegative(rows, nameof(rows));
        KernelArgs.Positive(cols, nameof(cols));
        long count = (long)rows * cols;
        KernelArgs.Length(x.Length, count, nameof(x), $"[rows={rows}, cols={cols}]");
        KernelArgs.Length(dy.Length, count, nameof(dy), $"[rows={rows}, cols={cols}]");
        KernelArgs.Length(dx.Length, count, nameof(dx), $"[rows={rows}, cols={cols}]");
        KernelArgs.Length(weight.Length, cols, nameof(weight), $"[cols={cols}]");
        KernelArgs.Length(dWeight.Length, cols, nameof(dWeight), $"[cols={cols}]");
        KernelArgs.Length(dBias.Length, cols, nameof(dBias), $"[cols={cols}]");

        // Row scratch: on the stack for the usual widths, rented beyond, so a training step allocates nothing.
        float[]? rented = cols > 1024 ? ArrayPool<float>.Shared.Rent(2 * cols) : null;
        Span<float> scratch = rented is null ? stackalloc float[2 * cols] : rented.AsSpan(0, 2 * cols);
        Span<float> xhat = scratch[..cols];
        Span<float> g = scratch[cols..];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            ReadOnlySpan<float> dyr = dy.Slice(r * cols, cols);
            double sum = 0;
            for (int i = 0; i < cols; i++)
            {
                sum += xr[i];
            }

            double mean = sum / cols;
            double squares = 0;
            for (int i = 0; i < cols; i++)
            {
                double d = xr[i] - mean;
                squares += d * d;
            }

            double rstd = 1.0 / Math.Sqrt((squares / cols) + eps);
            double gMean = 0;
            double gxMean = 0;
            for (int i = 0; i < cols; i++)
            {
                float xh = (float)((xr[i] - mean) * rstd);
                xhat[i] = xh;
                g[i] = dyr[i] * weight[i];
                gMean += g[i];
                gxMean += g[i] * (double)xh;
                dWeight[i] += dyr[i] * xh;
                dBias[i] += dyr[i];
            }

            gMean /= cols;
            gxMean /= cols;
            Span<float> dxr = dx.Slice(r * cols, cols);
            for (int i = 0; i < cols; i++)
            {
                dxr[i] = (float)(rstd * (g[i] - gMean - (xhat[i] * gxMean)));
            }
        }

        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}

using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

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

        // Two rows of scratch: on the stack for the usual widths, rented beyond, so a training step allocates nothing.
        float[]? rented = cols > 1024 ? ArrayPool<float>.Shared.Rent(2 * cols) : null;
        Span<float> scratch = rented is null ? stackalloc float[2 * cols] : rented.AsSpan(0, 2 * cols);
        Span<float> xhat = scratch[..cols];
        Span<float> g = scratch[cols..];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            ReadOnlySpan<float> dyr = dy.Slice(r * cols, cols);
            Span<float> dxr = dx.Slice(r * cols, cols);

            // xhat = (x − mean)·rstd with the biased variance, as the forward normalised.
            float mean = TensorPrimitives.Sum(xr) / cols;
            TensorPrimitives.Subtract(xr, mean, xhat);
            float rstd = 1f / MathF.Sqrt((TensorPrimitives.Dot(xhat, xhat) / cols) + eps);
            TensorPrimitives.Multiply(xhat, rstd, xhat);

            // g = dy·weight; dx = rstd·(g − mean(g) − xhat·mean(g·xhat)).
            TensorPrimitives.Multiply(dyr, weight, g);
            float gMean = TensorPrimitives.Sum(g) / cols;
            float gxMean = TensorPrimitives.Dot(g, xhat) / cols;
            TensorPrimitives.MultiplyAdd(dyr, xhat, dWeight, dWeight);
            TensorPrimitives.Add(dBias, dyr, dBias);
            TensorPrimitives.MultiplyAdd(xhat, -gxMean, g, dxr);
            TensorPrimitives.Add(dxr, -gMean, dxr);
            TensorPrimitives.Multiply(dxr, rstd, dxr);
        }

        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}

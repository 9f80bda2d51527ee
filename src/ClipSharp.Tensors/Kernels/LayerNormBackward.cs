using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Tensors.Kernels;

public static class LayerNormBackward
{
    // x, dy, dx: [rows, cols]; weight, dWeight, dBias: [cols]. The row statistics are recomputed from x (cheaper
    // than keeping them). dx is overwritten (it must not overlap dy); dWeight and dBias accumulate, so a gradient buffer can gather several
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

        if (dx.Overlaps(dy))
        {
            throw new ArgumentException("dx must not overlap dy: dy is read again after dx is written.", nameof(dx));
        }

        Run(x, weight, dy, dx, dWeight, dBias, rows, cols, eps);
    }

    // Rows, then columns: the rows phase gives every row its statistics and dx (rows are independent); the columns
    // phase adds every row's dy·xhat and dy into dWeight and dBias in row order, a block of columns per item, so the
    // sums are those of one row-by-row pass at any thread count. xhat is recomputed there from the kept statistics by
    // the same two roundings as in the rows phase.
    private static unsafe void Run(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dWeight, Span<float> dBias, int rows, int cols, float eps)
    {
        if (rows == 0)
        {
            return;
        }

        float[] stats = ArrayPool<float>.Shared.Rent(2 * rows);
        try
        {
            fixed (float* xp = x, wp = weight, dyp = dy, dxp = dx, dwp = dWeight, dbp = dBias, sp = stats)
            {
                var rowPhase = new RowBlocks(xp, wp, dyp, dxp, sp, rows, cols, eps);
                int rowBlocks = (rows + RowBlock - 1) / RowBlock;
                KernelParallel.For(rowBlocks, 10L * RowBlock * cols, rowPhase);
                var columnPhase = new ColumnBlocks(xp, dyp, dwp, dbp, sp, rows, cols);
                KernelParallel.For((cols + ColumnBlock - 1) / ColumnBlock, 4L * rows * ColumnBlock, columnPhase);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(stats);
        }
    }

    private const int RowBlock = 16;

    // Columns per item of the columns phase: a 256-wide layer still splits four ways.
    private const int ColumnBlock = 64;

    // Rows [16·block, 16·block + 16): mean and rstd into stats (2 floats a row), and dx.
    private readonly unsafe struct RowBlocks(float* x, float* weight, float* dy, float* dx, float* stats, int rows, int cols, float eps) : IForkBody
    {
        public void Run(int block)
        {
            // Two rows of scratch: on the stack for the usual widths, rented beyond, so a training step allocates nothing.
            float[]? rented = cols > 1024 ? ArrayPool<float>.Shared.Rent(2 * cols) : null;
            Span<float> scratch = rented is null ? stackalloc float[2 * cols] : rented.AsSpan(0, 2 * cols);
            Span<float> xhat = scratch[..cols];
            Span<float> g = scratch[cols..];
            var w = new ReadOnlySpan<float>(weight, cols);
            int end = Math.Min(rows, (block + 1) * RowBlock);
            for (int r = block * RowBlock; r < end; r++)
            {
                nint offset = (nint)r * cols;
                var xr = new ReadOnlySpan<float>(x + offset, cols);
                var dyr = new ReadOnlySpan<float>(dy + offset, cols);
                var dxr = new Span<float>(dx + offset, cols);

                // xhat = (x − mean)·rstd with the biased variance, as the forward normalised.
                float mean = TensorPrimitives.Sum(xr) / cols;
                TensorPrimitives.Subtract(xr, mean, xhat);
                float rstd = 1f / MathF.Sqrt((TensorPrimitives.Dot(xhat, xhat) / cols) + eps);
                TensorPrimitives.Multiply(xhat, rstd, xhat);
                stats[2 * r] = mean;
                stats[(2 * r) + 1] = rstd;

                // g = dy·weight; dx = rstd·(g − mean(g) − xhat·mean(g·xhat)).
                TensorPrimitives.Multiply(dyr, w, g);
                float gMean = TensorPrimitives.Sum(g) / cols;
                float gxMean = TensorPrimitives.Dot(g, xhat) / cols;
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

    // Columns [64·block, 64·block + 64): dWeight += Σ_r dy·xhat and dBias += Σ_r dy, rows in order.
    private readonly unsafe struct ColumnBlocks(float* x, float* dy, float* dWeight, float* dBias, float* stats, int rows, int cols) : IForkBody
    {
        public void Run(int block)
        {
            int c0 = block * ColumnBlock;
            int n = Math.Min(ColumnBlock, cols - c0);
            Span<float> xhat = stackalloc float[ColumnBlock];
            xhat = xhat[..n];
            var dw = new Span<float>(dWeight + c0, n);
            var db = new Span<float>(dBias + c0, n);
            for (int r = 0; r < rows; r++)
            {
                nint offset = ((nint)r * cols) + c0;
                var dyr = new ReadOnlySpan<float>(dy + offset, n);
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(x + offset, n), stats[2 * r], xhat);
                TensorPrimitives.Multiply(xhat, stats[(2 * r) + 1], xhat);
                TensorPrimitives.MultiplyAdd(dyr, xhat, dw, dw);
                TensorPrimitives.Add(db, dyr, db);
            }
        }
    }
}

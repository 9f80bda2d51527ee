using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// dst[c] += Σ_r src[r·stride + c], the bias gradient of a linear layer (its output gradient summed over rows).
/// Every column adds its rows in row order, as a row-by-row loop does, so the bits do not depend on the thread count;
/// the threads take blocks of columns.
/// </summary>
public static class ColumnSum
{
    // Columns per item: 256 bytes of every row, so a 256-wide layer still splits four ways.
    private const int Block = 64;

    // src: [rows, stride] with the first cols of each row read; dst: [cols].
    public static void Accumulate(ReadOnlySpan<float> src, int rows, int cols, int stride, Span<float> dst)
    {
        KernelArgs.NonNegative(rows, nameof(rows));
        KernelArgs.NonNegative(cols, nameof(cols));
        KernelArgs.Length(stride, cols, nameof(stride), $"[cols={cols}]");
        KernelArgs.Length(src.Length, rows == 0 ? 0 : ((long)(rows - 1) * stride) + cols, nameof(src), $"[rows={rows}, stride={stride}]");
        KernelArgs.Length(dst.Length, cols, nameof(dst), $"[cols={cols}]");
        Accumulate(src, rows, cols, stride, dst, KernelIsas.Best);
    }

    internal static unsafe void Accumulate(ReadOnlySpan<float> src, int rows, int cols, int stride, Span<float> dst, KernelIsa isa)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        fixed (float* s = src, d = dst)
        {
            var blocks = new Blocks(s, d, rows, cols, stride, isa);
            int count = (cols + Block - 1) / Block;
            if (KernelParallel.RunsInline(count, (long)rows * Block))
            {
                for (int b = 0; b < count; b++)
                {
                    blocks.Run(b);
                }
            }
            else
            {
                Fork(count, rows, blocks);
            }
        }
    }

    private static void Fork(int count, int rows, in Blocks blocks) => KernelParallel.For(count, (long)rows * Block, blocks);

    private readonly unsafe struct Blocks(float* src, float* dst, int rows, int cols, int stride, KernelIsa isa) : IForkBody
    {
        public void Run(int block)
        {
            int c0 = block * Block;
            int n = Math.Min(Block, cols - c0);
            float* d = dst + c0;
            for (int r = 0; r < rows; r++)
            {
                float* s = src + ((nint)r * stride) + c0;
                BinaryMap.Run(default(AddOperator), ref *d, ref *s, ref *d, n, isa);
            }
        }
    }
}

using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// dst[c] += Σ_r src[r·stride + c], the bias gradient of a linear layer (its output gradient summed over rows).
/// Every column adds its rows in row order, as a row-by-row loop does, so the bits do not depend on the thread count;
/// the threads take blocks of columns.
/// </summary>
public static class ColumnSum
{
    // Columns per item: 256 bytes of every row (four Vector512s), so a 256-wide layer still splits four ways.
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
            KernelParallel.For((cols + Block - 1) / Block, (long)rows * Block, new Blocks(s, d, rows, cols, stride, isa));
        }
    }

    private readonly unsafe struct Blocks(float* src, float* dst, int rows, int cols, int stride, KernelIsa isa) : IForkBody
    {
        public void Run(int block)
        {
            int c0 = block * Block;
            int n = Math.Min(Block, cols - c0);
            int c = 0;
            switch (isa)
            {
                case KernelIsa.Vector512:
                    c = Columns<Simd512, Vector512<float>>(src + c0, dst + c0, rows, stride, n);
                    break;
                case KernelIsa.Vector256:
                    c = Columns<Simd256, Vector256<float>>(src + c0, dst + c0, rows, stride, n);
                    break;
                case KernelIsa.Vector128:
                    c = Columns<Simd128, Vector128<float>>(src + c0, dst + c0, rows, stride, n);
                    break;
            }

            for (; c < n; c++)
            {
                float sum = dst[c0 + c];
                for (int r = 0; r < rows; r++)
                {
                    sum += src[((nint)r * stride) + c0 + c];
                }

                dst[c0 + c] = sum;
            }
        }
    }

    // Columns [0, n) of a block in groups of four vectors held in registers over every row, then one vector at a time;
    // returns the first column left for the scalar loop. Lanes add independently, so any width gives the row-order bits.
    private static unsafe int Columns<TWidth, TVec>(float* src, float* dst, int rows, int stride, int n)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int w = TWidth.Count;
        int c = 0;
        for (; c + (4 * w) <= n; c += 4 * w)
        {
            ref float d = ref dst[c];
            TVec a0 = TWidth.Load(ref d, 0);
            TVec a1 = TWidth.Load(ref d, (nuint)w);
            TVec a2 = TWidth.Load(ref d, (nuint)(2 * w));
            TVec a3 = TWidth.Load(ref d, (nuint)(3 * w));
            for (int r = 0; r < rows; r++)
            {
                ref float s = ref src[((nint)r * stride) + c];
                a0 = TWidth.Add(a0, TWidth.Load(ref s, 0));
                a1 = TWidth.Add(a1, TWidth.Load(ref s, (nuint)w));
                a2 = TWidth.Add(a2, TWidth.Load(ref s, (nuint)(2 * w)));
                a3 = TWidth.Add(a3, TWidth.Load(ref s, (nuint)(3 * w)));
            }

            TWidth.Store(a0, ref d, 0);
            TWidth.Store(a1, ref d, (nuint)w);
            TWidth.Store(a2, ref d, (nuint)(2 * w));
            TWidth.Store(a3, ref d, (nuint)(3 * w));
        }

        for (; c + w <= n; c += w)
        {
            TVec a = TWidth.Load(ref dst[c], 0);
            for (int r = 0; r < rows; r++)
            {
                a = TWidth.Add(a, TWidth.Load(ref src[((nint)r * stride) + c], 0));
            }

            TWidth.Store(a, ref dst[c], 0);
        }

        return c;
    }
}

using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class LayerNorm
{
    // x, y: [rows, cols]; weight, bias: [cols]. Mean and biased variance in float32, as
    // torch.nn.LayerNorm, by the corrected two-pass method (the second pass also measures and
    // removes the rounding error of the first pass's mean). y may alias x.
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, int rows, int cols, float eps = 1e-5f)
    {
        KernelArgs.NonNegative(rows, nameof(rows));
        KernelArgs.NonNegative(cols, nameof(cols));
        long count = (long)rows * cols;
        KernelArgs.Length(x.Length, count, nameof(x), $"[rows={rows}, cols={cols}]");
        KernelArgs.Length(y.Length, count, nameof(y), $"[rows={rows}, cols={cols}]");
        KernelArgs.Length(weight.Length, cols, nameof(weight), $"[cols={cols}]");
        KernelArgs.Length(bias.Length, cols, nameof(bias), $"[cols={cols}]");
        Forward(x, weight, bias, y, rows, cols, eps, KernelIsas.Best);
    }

    internal static unsafe void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, int rows, int cols, float eps, KernelIsa isa)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        fixed (float* xp = x, wp = weight, bp = bias, yp = y)
        {
            if (KernelParallel.RunsInline(rows, 4L * cols))
            {
                for (int r = 0; r < rows; r++)
                {
                    Row(xp + ((nint)r * cols), wp, bp, yp + ((nint)r * cols), cols, eps, isa);
                }
            }
            else
            {
                ForkRows(xp, wp, bp, yp, rows, cols, eps, isa);
            }
        }
    }

    private static unsafe void ForkRows(float* x, float* w, float* b, float* y, int rows, int cols, float eps, KernelIsa isa)
        => KernelParallel.For(rows, 4L * cols, new Rows(x, w, b, y, cols, eps, isa));

    // The forked loop body: a struct carrying the operands, so forking allocates nothing.
    private readonly unsafe struct Rows(float* x, float* w, float* b, float* y, int cols, float eps, KernelIsa isa) : IForkBody
    {
        public void Run(int r) => Row(x + ((nint)r * cols), w, b, y + ((nint)r * cols), cols, eps, isa);
    }

    private static unsafe void Row(float* x, float* w, float* b, float* y, int n, float eps, KernelIsa isa)
    {
        float mean = RowReduce.Run(default(SumReduction), ref *x, n, isa) / n;
        float drift = RowReduce.Run(new DeviationSumReduction(mean), ref *x, n, isa);
        float squares = RowReduce.Run(new SquaredDeviationSumReduction(mean), ref *x, n, isa);
        float variance = MathF.Max(0f, (squares - (drift * drift / n)) / n);
        mean += drift / n;
        float rstd = 1f / MathF.Sqrt(variance + eps);
        TernaryMap.Run(new NormalizeOperator(mean, rstd), ref *x, ref *w, ref *b, ref *y, n, isa);
    }
}

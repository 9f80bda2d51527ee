using System.Runtime.Intrinsics;

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
        float mean = VectorOps.Sum(ref *x, n, isa) / n;
        (float drift, float squares) = VectorOps.Deviations(ref *x, n, mean, isa);
        float variance = MathF.Max(0f, (squares - (drift * drift / n)) / n);
        mean += drift / n;
        float rstd = 1f / MathF.Sqrt(variance + eps);
        int i = 0;
        if (isa == KernelIsa.Vector512)
        {
            Vector512<float> m = Vector512.Create(mean);
            Vector512<float> s = Vector512.Create(rstd);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> normed = (Vector512.Load(x + i) - m) * s;
                Vector512.FusedMultiplyAdd(normed, Vector512.Load(w + i), Vector512.Load(b + i)).Store(y + i);
            }
        }

        if (isa != KernelIsa.Scalar)
        {
            Vector256<float> m = Vector256.Create(mean);
            Vector256<float> s = Vector256.Create(rstd);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> normed = (Vector256.Load(x + i) - m) * s;
                Vector256.FusedMultiplyAdd(normed, Vector256.Load(w + i), Vector256.Load(b + i)).Store(y + i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = MathF.FusedMultiplyAdd((x[i] - mean) * rstd, w[i], b[i]);
        }
    }
}

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// Single-precision GEMM, row-major, BLAS argument order: packed panels, cache blocking and a register-tiled
/// micro-kernel per instruction set (AVX-512 6×64, AVX2 + FMA 6×16, 128-bit vectors 8×12 for ARM64 NEON,
/// scalar 4×4), threaded over rows of C.
/// </summary>
public static class Gemm
{
    // Below this many multiply-adds (about 20 µs on one core) a second thread costs more than it saves.
    private const long ParallelThreshold = 1L << 22;

    // C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C[m,n]; op(X) = X or Xᵀ; row-major with leading dimensions.
    // With beta == 0, C is not read (NaNs in it do not leak). Uses up to Parallelism.MaxThreads threads.
    public static void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
        => Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, KernelIsas.Best, Parallelism.MaxThreads);

    // As Sgemm, on the calling thread only: for callers that already run GEMMs in parallel (e.g. over batch × heads).
    public static void SgemmSingleThreaded(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
        => Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, KernelIsas.Best, 1);

    // The entry tests use to force an instruction set and a thread count.
    internal static unsafe void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, KernelIsa isa, int threads, GemmPath path = GemmPath.Auto)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (!KernelIsas.IsSupported(isa))
        {
            throw new PlatformNotSupportedException($"GEMM instruction set {isa} is not supported by this CPU.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Dispatch(new GemmProblem(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc), isa, threads, path);
        }
    }

    /// <summary>
    /// C[m, n] = alpha · op(A)[m, k] · Wᵀ + beta · C[m, n] with W [n = out, k = in] a pre-packed weight: f16/int8
    /// blocks are widened to float32 just before the micro-kernel reads them, float32 panels are read in place.
    /// op(A) = A or Aᵀ as in
    /// <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>.
    /// The result equals SGEMM on <see cref="PackedWeight.Dequantize"/> bit for bit.
    /// </summary>
    public static void SgemmPacked(
        bool transA, int m, float alpha, ReadOnlySpan<float> a, int lda, PackedWeight b, float beta, Span<float> c, int ldc)
        => SgemmPacked(transA, m, alpha, a, lda, b, beta, c, ldc, KernelIsas.Best, Parallelism.MaxThreads);

    // The entry tests use to force an instruction set, a thread count and a driver path.
    internal static unsafe void SgemmPacked(
        bool transA, int m, float alpha, ReadOnlySpan<float> a, int lda, PackedWeight b, float beta, Span<float> c, int ldc,
        KernelIsa isa, int threads, GemmPath path = GemmPath.Auto)
    {
        ArgumentNullException.ThrowIfNull(b);
        int n = b.OutFeatures;
        int k = b.InFeatures;
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        CheckMatrix("a", "lda", transA ? k : m, transA ? m : k, a.Length, lda);
        CheckMatrix("c", "ldc", m, n, c.Length, ldc);
        if (!KernelIsas.IsSupported(isa))
        {
            throw new PlatformNotSupportedException($"GEMM instruction set {isa} is not supported by this CPU.");
        }

        if (b.Nr != PackedWeight.NrOf(isa))
        {
            throw new ArgumentException(
                $"the weight is packed in panels of {b.Nr} columns but the {isa} kernel takes {PackedWeight.NrOf(isa)}.", nameof(b));
        }

        if (m == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (byte* pw = b.Data)
        fixed (float* ps = b.Scales)
        {
            var packed = new GemmPackedB(pw + b.DataOffset, ps, b.Precision, k, b.Nr);
            Dispatch(new GemmProblem(transA, true, m, n, k, alpha, pa, lda, null, k, beta, pc, ldc, packed), isa, threads, path);
        }
    }

    // The common tail of both entries: scale-only problems, the threading threshold, the micro-kernel for the ISA.
    private static void Dispatch(in GemmProblem problem, KernelIsa isa, int threads, GemmPath path)
    {
        if (problem.K == 0 || problem.Alpha == 0f)
        {
            // BLAS convention: with no product term A and B are not read.
            problem.ScaleC();
            return;
        }

        if ((long)problem.M * problem.N * problem.K < ParallelThreshold)
        {
            threads = 1;
        }

        switch (isa)
        {
            case KernelIsa.Vector512:
                Run<GemmMicroKernelAvx512>(problem, threads, vectorPack: true, path);
                break;
            case KernelIsa.Vector256:
                Run<GemmMicroKernelAvx2>(problem, threads, vectorPack: true, path);
                break;
            case KernelIsa.Vector128:
                Run<GemmMicroKernelVector128>(problem, threads, vectorPack: true, path);
                break;
            default:
                Run<GemmMicroKernelScalar>(problem, threads, vectorPack: false, path);
                break;
        }
    }

    private static void Run<TKernel>(in GemmProblem problem, int threads, bool vectorPack, GemmPath path)
        where TKernel : struct, IGemmMicroKernel
    {
        if (path == GemmPath.ColumnPanels || (path == GemmPath.Auto && GemmDriver<TKernel>.FitsFewRows(problem.M, problem.K)))
        {
            GemmDriver<TKernel>.RunFewRows(problem, threads, vectorPack);
        }
        else
        {
            // Every thread gets at least one full row tile of C.
            GemmDriver<TKernel>.Run(problem, Math.Max(1, Math.Min(threads, problem.M / TKernel.Mr)), vectorPack);
        }
    }

    private static void Validate(
        bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);

        // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k]; C is [m, n].
        CheckMatrix("a", "lda", transA ? k : m, transA ? m : k, aLength, lda);
        CheckMatrix("b", "ldb", transB ? n : k, transB ? k : n, bLength, ldb);
        CheckMatrix("c", "ldc", m, n, cLength, ldc);
    }

    private static void CheckMatrix(string name, string ldName, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentException(
                $"Leading dimension {ldName} = {ld} is smaller than the {cols} columns of the stored {name} [{rows}, {cols}] (it must be at least max(1, {cols})).",
                ldName);
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                $"Span {name} holds {length} elements but [{rows}, {cols}] with leading dimension {ld} needs {needed}.",
                name);
        }
    }
}

using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

/// <summary>Single-precision GEMM, row-major, BLAS argument order.</summary>
public static class Gemm
{
    // C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C[m,n]. With beta == 0, C is not read (NaNs in it do not leak).
    public static void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
        => GemmReference.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

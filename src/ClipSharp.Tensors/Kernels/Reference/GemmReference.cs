namespace ClipSharp.Tensors.Kernels.Reference;

/// <summary>The textbook triple loop, accumulated in double: the oracle for <see cref="Gemm"/>.</summary>
internal static class GemmReference
{
    // C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C[m,n]; op(X) = X or Xᵀ; row-major with leading dimensions.
    public static void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    float bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += (double)av * bv;
                }

                float prior = beta == 0f ? 0f : beta * c[(i * ldc) + j];
                c[(i * ldc) + j] = (float)(alpha * sum) + prior;
            }
        }
    }
}

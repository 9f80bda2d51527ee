namespace ClipSharp.Tensors.Kernels.Reference;

/// <summary>
/// The oracle for <c>Gemm.SgemmPacked</c>: dequantise the stored weight element by element, then the
/// textbook GEMM.
/// </summary>
internal static class PackedGemmReference
{
    // C[m, n] = alpha · op(A)[m, k] · Wᵀ + beta · C; weight: [n, k] halves.
    public static void SgemmFloat16(
        bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<Half> weight,
        float beta, Span<float> c, int ldc)
    {
        var w = new float[n * k];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)weight[i];
        }

        GemmReference.Sgemm(transA, true, m, n, k, alpha, a, lda, w, k, beta, c, ldc);
    }

    // C[m, n] = alpha · op(A)[m, k] · Wᵀ + beta · C; weight: [n, k] int8, W[j, p] = weight[j, p] · scales[j].
    public static void SgemmInt8(
        bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<sbyte> weight,
        ReadOnlySpan<float> scales, float beta, Span<float> c, int ldc)
    {
        var w = new float[n * k];
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < k; p++)
            {
                w[(j * k) + p] = weight[(j * k) + p] * scales[j];
            }
        }

        GemmReference.Sgemm(transA, true, m, n, k, alpha, a, lda, w, k, beta, c, ldc);
    }
}

namespace ClipSharp.Tensors.Kernels;

/// <summary>One validated, pinned SGEMM call: the arguments a driver and its worker threads share.</summary>
internal readonly unsafe struct GemmProblem
{
    public readonly bool TransA;
    public readonly bool TransB;
    public readonly int M;
    public readonly int N;
    public readonly int K;
    public readonly float Alpha;
    public readonly float Beta;
    public readonly float* A;
    public readonly nint Lda;
    public readonly float* B;
    public readonly nint Ldb;
    public readonly float* C;
    public readonly nint Ldc;

    /// <summary>Set when op(B) is a pre-packed reduced-precision weight (then B is null).</summary>
    public readonly GemmPackedB Packed;

    public GemmProblem(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, GemmPackedB packed = default)
    {
        TransA = transA;
        TransB = transB;
        M = m;
        N = n;
        K = k;
        Alpha = alpha;
        Beta = beta;
        A = a;
        Lda = lda;
        B = b;
        Ldb = ldb;
        C = c;
        Ldc = ldc;
        Packed = packed;
    }

    // C[m, n] = beta * C[m, n], for k == 0 or alpha == 0 where no product contributes. beta == 0 writes zeros unread.
    public void ScaleC()
    {
        for (int i = 0; i < M; i++)
        {
            Span<float> row = new(C + (i * Ldc), N);
            if (Beta == 0f)
            {
                row.Clear();
            }
            else if (Beta != 1f)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] *= Beta;
                }
            }
        }
    }
}

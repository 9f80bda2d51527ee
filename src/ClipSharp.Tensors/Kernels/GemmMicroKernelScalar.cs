using System.Runtime.CompilerServices;

namespace ClipSharp.Tensors.Kernels;

/// <summary>4×4 scalar tile: 16 accumulators, for CPUs without AVX2 + FMA.</summary>
internal readonly unsafe struct GemmMicroKernelScalar : IGemmMicroKernel
{
    public static int Mr => 4;

    public static int Nr => 4;

    // The x64 vector kernels' blocking: with 16 accumulators the tile is not what bounds the scalar kernel.
    public static int Kc => 512;

    public static int Nc => 512;

    // Scalar code has no register pressure to save for the edge: the full tile into scratch, then its first rows.
    public static void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        float* tile = stackalloc float[4 * 4];
        Run(kc, a, b, tile, 4, 1f, 0f);
        GemmEdge.Merge(tile, 4, c, ldc, rows, 4, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += 4;
        }

        StoreRow(c, alpha, beta, c00, c01, c02, c03);
        StoreRow(c + ldc, alpha, beta, c10, c11, c12, c13);
        StoreRow(c + (2 * ldc), alpha, beta, c20, c21, c22, c23);
        StoreRow(c + (3 * ldc), alpha, beta, c30, c31, c32, c33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* row, float alpha, float beta, float v0, float v1, float v2, float v3)
    {
        if (beta == 0f)
        {
            row[0] = alpha * v0;
            row[1] = alpha * v1;
            row[2] = alpha * v2;
            row[3] = alpha * v3;
        }
        else
        {
            row[0] = MathF.FusedMultiplyAdd(alpha, v0, beta * row[0]);
            row[1] = MathF.FusedMultiplyAdd(alpha, v1, beta * row[1]);
            row[2] = MathF.FusedMultiplyAdd(alpha, v2, beta * row[2]);
            row[3] = MathF.FusedMultiplyAdd(alpha, v3, beta * row[3]);
        }
    }
}

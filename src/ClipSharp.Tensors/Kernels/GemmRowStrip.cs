using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// The bottom rows of a full-width C tile (fewer than the kernel's MR) without computing the rows below them. A
/// 50-token image has 8 tiles of 6 rows and one of 2; running the full 6-row kernel for that last tile does 54 rows
/// of work for 50. Here the rows go in strips of 4, 2 and 1, each strip's accumulators held in registers for the
/// whole depth. Every element gets the full kernel's operations in the same order (one fused multiply-add per k
/// step from zero, then alpha·acc, or alpha·acc + beta·C fused), so its bits do not depend on which ran.
/// </summary>
internal static unsafe class GemmRowStrip<TKernel, TVec, TWidth>
    where TKernel : struct, IGemmMicroKernel
    where TVec : struct
    where TWidth : struct, ISimdWidth<TVec>
{
    // Vectors per row of the tile: 4 (AVX-512, 64 columns), 2 (AVX2, 16) or 3 (NEON, 12).
    private static int Vectors => TKernel.Nr / TWidth.Count;

    // a: packed [kc, MR] (rows from `rows` on are padding); b: packed [kc, NR]; c: rows [0, rows) of the tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            Strip<TileFour>(kc, a + r, b, c + (r * ldc), ldc, alpha, beta);
        }

        if (r + 2 <= rows)
        {
            Strip<TileTwo>(kc, a + r, b, c + (r * ldc), ldc, alpha, beta);
            r += 2;
        }

        if (r < rows)
        {
            Strip<TileOne>(kc, a + r, b, c + (r * ldc), ldc, alpha, beta);
        }
    }

    // TRows rows × Vectors vectors of accumulators; branches on the two constants fold away in each instantiation.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Strip<TRows>(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
        where TRows : struct, ITileCount
    {
        int rows = TRows.Value;
        int v = Vectors;
        int w = TWidth.Count;
        int mr = TKernel.Mr;
        int nr = TKernel.Nr;
        TVec c00 = TWidth.Zero, c01 = TWidth.Zero, c02 = TWidth.Zero, c03 = TWidth.Zero;
        TVec c10 = TWidth.Zero, c11 = TWidth.Zero, c12 = TWidth.Zero, c13 = TWidth.Zero;
        TVec c20 = TWidth.Zero, c21 = TWidth.Zero, c22 = TWidth.Zero, c23 = TWidth.Zero;
        TVec c30 = TWidth.Zero, c31 = TWidth.Zero, c32 = TWidth.Zero, c33 = TWidth.Zero;
        for (int p = 0; p < kc; p++)
        {
            ref float bp = ref b[(nint)p * nr];
            TVec b0 = TWidth.Load(ref bp, 0);
            TVec b1 = v > 1 ? TWidth.Load(ref bp, (nuint)w) : default;
            TVec b2 = v > 2 ? TWidth.Load(ref bp, (nuint)(2 * w)) : default;
            TVec b3 = v > 3 ? TWidth.Load(ref bp, (nuint)(3 * w)) : default;
            float* ap = a + ((nint)p * mr);
            Row(ap[0], b0, b1, b2, b3, ref c00, ref c01, ref c02, ref c03);
            if (rows > 1)
            {
                Row(ap[1], b0, b1, b2, b3, ref c10, ref c11, ref c12, ref c13);
            }

            if (rows > 2)
            {
                Row(ap[2], b0, b1, b2, b3, ref c20, ref c21, ref c22, ref c23);
                Row(ap[3], b0, b1, b2, b3, ref c30, ref c31, ref c32, ref c33);
            }
        }

        TVec va = TWidth.Create(alpha);
        Store(c, c00, c01, c02, c03, va, beta);
        if (rows > 1)
        {
            Store(c + ldc, c10, c11, c12, c13, va, beta);
        }

        if (rows > 2)
        {
            Store(c + (2 * ldc), c20, c21, c22, c23, va, beta);
            Store(c + (3 * ldc), c30, c31, c32, c33, va, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float a, TVec b0, TVec b1, TVec b2, TVec b3, ref TVec c0, ref TVec c1, ref TVec c2, ref TVec c3)
    {
        int v = Vectors;
        TVec x = TWidth.Create(a);
        c0 = TWidth.FusedMultiplyAdd(x, b0, c0);
        if (v > 1)
        {
            c1 = TWidth.FusedMultiplyAdd(x, b1, c1);
        }

        if (v > 2)
        {
            c2 = TWidth.FusedMultiplyAdd(x, b2, c2);
        }

        if (v > 3)
        {
            c3 = TWidth.FusedMultiplyAdd(x, b3, c3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, TVec c0, TVec c1, TVec c2, TVec c3, TVec va, float beta)
    {
        int v = Vectors;
        int w = TWidth.Count;
        Update(row, c0, va, beta);
        if (v > 1)
        {
            Update(row + w, c1, va, beta);
        }

        if (v > 2)
        {
            Update(row + (2 * w), c2, va, beta);
        }

        if (v > 3)
        {
            Update(row + (3 * w), c3, va, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* dst, TVec acc, TVec va, float beta)
    {
        ref float d = ref *dst;
        TVec result = beta == 0f
            ? TWidth.Multiply(va, acc)
            : TWidth.FusedMultiplyAdd(va, acc, TWidth.Multiply(TWidth.Create(beta), TWidth.Load(ref d, 0)));
        TWidth.Store(result, ref d, 0);
    }
}

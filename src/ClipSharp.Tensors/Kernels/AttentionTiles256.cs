using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// The Vector256 register tiles of AttentionTiles. Every accumulator lane is one output element's fused
// multiply-add chain in the same order as the scalar path, so tiles of any size give the same bits.
internal static unsafe partial class AttentionTiles
{
    // s[r, j + c·8] for 4 rows and 2 key vector(s) from column j.
    private static void ScoresTile256x2(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int j)
    {
        float* q0 = qs, q1 = qs + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        Vector256<float> a00, a01, a10, a11, a20, a21, a30, a31;
        a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = Vector256<float>.Zero;
        float* col = kT + j;
        for (int d = 0; d < headDim; d++, col += ldk)
        {
            Vector256<float> k0 = Vector256.Load(col);
            Vector256<float> k1 = Vector256.Load(col + 8);
            Vector256<float> b0 = Vector256.Create(q0[d]);
            a00 = Vector256.FusedMultiplyAdd(k0, b0, a00);
            a01 = Vector256.FusedMultiplyAdd(k1, b0, a01);
            Vector256<float> b1 = Vector256.Create(q1[d]);
            a10 = Vector256.FusedMultiplyAdd(k0, b1, a10);
            a11 = Vector256.FusedMultiplyAdd(k1, b1, a11);
            Vector256<float> b2 = Vector256.Create(q2[d]);
            a20 = Vector256.FusedMultiplyAdd(k0, b2, a20);
            a21 = Vector256.FusedMultiplyAdd(k1, b2, a21);
            Vector256<float> b3 = Vector256.Create(q3[d]);
            a30 = Vector256.FusedMultiplyAdd(k0, b3, a30);
            a31 = Vector256.FusedMultiplyAdd(k1, b3, a31);
        }

        a00.Store(s + j);
        a01.Store(s + j + 8);
        a10.Store(s + (1 * (nint)lds) + j);
        a11.Store(s + (1 * (nint)lds) + j + 8);
        a20.Store(s + (2 * (nint)lds) + j);
        a21.Store(s + (2 * (nint)lds) + j + 8);
        a30.Store(s + (3 * (nint)lds) + j);
        a31.Store(s + (3 * (nint)lds) + j + 8);
    }

    // s[r, j + c·8] for 4 rows and 1 key vector(s) from column j.
    private static void ScoresTile256x1(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int j)
    {
        float* q0 = qs, q1 = qs + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        Vector256<float> a00, a10, a20, a30;
        a00 = a10 = a20 = a30 = Vector256<float>.Zero;
        float* col = kT + j;
        for (int d = 0; d < headDim; d++, col += ldk)
        {
            Vector256<float> k0 = Vector256.Load(col);
            Vector256<float> b0 = Vector256.Create(q0[d]);
            a00 = Vector256.FusedMultiplyAdd(k0, b0, a00);
            Vector256<float> b1 = Vector256.Create(q1[d]);
            a10 = Vector256.FusedMultiplyAdd(k0, b1, a10);
            Vector256<float> b2 = Vector256.Create(q2[d]);
            a20 = Vector256.FusedMultiplyAdd(k0, b2, a20);
            Vector256<float> b3 = Vector256.Create(q3[d]);
            a30 = Vector256.FusedMultiplyAdd(k0, b3, a30);
        }

        a00.Store(s + j);
        a10.Store(s + (1 * (nint)lds) + j);
        a20.Store(s + (2 * (nint)lds) + j);
        a30.Store(s + (3 * (nint)lds) + j);
    }

    // acc[r, d + c·8] += Σ_j p[r, j]·v[j, d + c·8] for 4 row(s) and 2 vector(s) of columns from d.
    private static void AccumulateTile256x4x2(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p, p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        Vector256<float> a00, a01, a10, a11, a20, a21, a30, a31;
        if (zero)
        {
            a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = Vector256<float>.Zero;
        }
        else
        {
            a00 = Vector256.Load(acc + (0 * (nint)headDim) + d + 0);
            a01 = Vector256.Load(acc + (0 * (nint)headDim) + d + 8);
            a10 = Vector256.Load(acc + (1 * (nint)headDim) + d + 0);
            a11 = Vector256.Load(acc + (1 * (nint)headDim) + d + 8);
            a20 = Vector256.Load(acc + (2 * (nint)headDim) + d + 0);
            a21 = Vector256.Load(acc + (2 * (nint)headDim) + d + 8);
            a30 = Vector256.Load(acc + (3 * (nint)headDim) + d + 0);
            a31 = Vector256.Load(acc + (3 * (nint)headDim) + d + 8);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector256<float> v0 = Vector256.Load(row);
            Vector256<float> v1 = Vector256.Load(row + 8);
            Vector256<float> b0 = Vector256.Create(p0[j]);
            a00 = Vector256.FusedMultiplyAdd(v0, b0, a00);
            a01 = Vector256.FusedMultiplyAdd(v1, b0, a01);
            Vector256<float> b1 = Vector256.Create(p1[j]);
            a10 = Vector256.FusedMultiplyAdd(v0, b1, a10);
            a11 = Vector256.FusedMultiplyAdd(v1, b1, a11);
            Vector256<float> b2 = Vector256.Create(p2[j]);
            a20 = Vector256.FusedMultiplyAdd(v0, b2, a20);
            a21 = Vector256.FusedMultiplyAdd(v1, b2, a21);
            Vector256<float> b3 = Vector256.Create(p3[j]);
            a30 = Vector256.FusedMultiplyAdd(v0, b3, a30);
            a31 = Vector256.FusedMultiplyAdd(v1, b3, a31);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
        a01.Store(acc + (0 * (nint)headDim) + d + 8);
        a10.Store(acc + (1 * (nint)headDim) + d + 0);
        a11.Store(acc + (1 * (nint)headDim) + d + 8);
        a20.Store(acc + (2 * (nint)headDim) + d + 0);
        a21.Store(acc + (2 * (nint)headDim) + d + 8);
        a30.Store(acc + (3 * (nint)headDim) + d + 0);
        a31.Store(acc + (3 * (nint)headDim) + d + 8);
    }

    // acc[r, d + c·8] += Σ_j p[r, j]·v[j, d + c·8] for 1 row(s) and 2 vector(s) of columns from d.
    private static void AccumulateTile256x1x2(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p;
        Vector256<float> a00, a01;
        if (zero)
        {
            a00 = a01 = Vector256<float>.Zero;
        }
        else
        {
            a00 = Vector256.Load(acc + (0 * (nint)headDim) + d + 0);
            a01 = Vector256.Load(acc + (0 * (nint)headDim) + d + 8);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector256<float> v0 = Vector256.Load(row);
            Vector256<float> v1 = Vector256.Load(row + 8);
            Vector256<float> b0 = Vector256.Create(p0[j]);
            a00 = Vector256.FusedMultiplyAdd(v0, b0, a00);
            a01 = Vector256.FusedMultiplyAdd(v1, b0, a01);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
        a01.Store(acc + (0 * (nint)headDim) + d + 8);
    }

    // acc[r, d + c·8] += Σ_j p[r, j]·v[j, d + c·8] for 4 row(s) and 1 vector(s) of columns from d.
    private static void AccumulateTile256x4x1(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p, p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        Vector256<float> a00, a10, a20, a30;
        if (zero)
        {
            a00 = a10 = a20 = a30 = Vector256<float>.Zero;
        }
        else
        {
            a00 = Vector256.Load(acc + (0 * (nint)headDim) + d + 0);
            a10 = Vector256.Load(acc + (1 * (nint)headDim) + d + 0);
            a20 = Vector256.Load(acc + (2 * (nint)headDim) + d + 0);
            a30 = Vector256.Load(acc + (3 * (nint)headDim) + d + 0);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector256<float> v0 = Vector256.Load(row);
            Vector256<float> b0 = Vector256.Create(p0[j]);
            a00 = Vector256.FusedMultiplyAdd(v0, b0, a00);
            Vector256<float> b1 = Vector256.Create(p1[j]);
            a10 = Vector256.FusedMultiplyAdd(v0, b1, a10);
            Vector256<float> b2 = Vector256.Create(p2[j]);
            a20 = Vector256.FusedMultiplyAdd(v0, b2, a20);
            Vector256<float> b3 = Vector256.Create(p3[j]);
            a30 = Vector256.FusedMultiplyAdd(v0, b3, a30);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
        a10.Store(acc + (1 * (nint)headDim) + d + 0);
        a20.Store(acc + (2 * (nint)headDim) + d + 0);
        a30.Store(acc + (3 * (nint)headDim) + d + 0);
    }

    // acc[r, d + c·8] += Σ_j p[r, j]·v[j, d + c·8] for 1 row(s) and 1 vector(s) of columns from d.
    private static void AccumulateTile256x1x1(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p;
        Vector256<float> a00;
        if (zero)
        {
            a00 = Vector256<float>.Zero;
        }
        else
        {
            a00 = Vector256.Load(acc + (0 * (nint)headDim) + d + 0);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector256<float> v0 = Vector256.Load(row);
            Vector256<float> b0 = Vector256.Create(p0[j]);
            a00 = Vector256.FusedMultiplyAdd(v0, b0, a00);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
    }
}

using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// The Vector512 register tiles of AttentionTiles. Every accumulator lane is one output element's fused
// multiply-add chain in the same order as the scalar path, so tiles of any size give the same bits.
internal static unsafe partial class AttentionTiles
{
    // s[r, j + c·16] for 4 rows and 4 key vector(s) from column j.
    private static void ScoresTile512x4(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int j)
    {
        float* q0 = qs, q1 = qs + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        Vector512<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = Vector512<float>.Zero;
        float* col = kT + j;
        for (int d = 0; d < headDim; d++, col += ldk)
        {
            Vector512<float> k0 = Vector512.Load(col);
            Vector512<float> k1 = Vector512.Load(col + 16);
            Vector512<float> k2 = Vector512.Load(col + 32);
            Vector512<float> k3 = Vector512.Load(col + 48);
            Vector512<float> b0 = Vector512.Create(q0[d]);
            a00 = Vector512.FusedMultiplyAdd(k0, b0, a00);
            a01 = Vector512.FusedMultiplyAdd(k1, b0, a01);
            a02 = Vector512.FusedMultiplyAdd(k2, b0, a02);
            a03 = Vector512.FusedMultiplyAdd(k3, b0, a03);
            Vector512<float> b1 = Vector512.Create(q1[d]);
            a10 = Vector512.FusedMultiplyAdd(k0, b1, a10);
            a11 = Vector512.FusedMultiplyAdd(k1, b1, a11);
            a12 = Vector512.FusedMultiplyAdd(k2, b1, a12);
            a13 = Vector512.FusedMultiplyAdd(k3, b1, a13);
            Vector512<float> b2 = Vector512.Create(q2[d]);
            a20 = Vector512.FusedMultiplyAdd(k0, b2, a20);
            a21 = Vector512.FusedMultiplyAdd(k1, b2, a21);
            a22 = Vector512.FusedMultiplyAdd(k2, b2, a22);
            a23 = Vector512.FusedMultiplyAdd(k3, b2, a23);
            Vector512<float> b3 = Vector512.Create(q3[d]);
            a30 = Vector512.FusedMultiplyAdd(k0, b3, a30);
            a31 = Vector512.FusedMultiplyAdd(k1, b3, a31);
            a32 = Vector512.FusedMultiplyAdd(k2, b3, a32);
            a33 = Vector512.FusedMultiplyAdd(k3, b3, a33);
        }

        a00.Store(s + j);
        a01.Store(s + j + 16);
        a02.Store(s + j + 32);
        a03.Store(s + j + 48);
        a10.Store(s + (1 * (nint)lds) + j);
        a11.Store(s + (1 * (nint)lds) + j + 16);
        a12.Store(s + (1 * (nint)lds) + j + 32);
        a13.Store(s + (1 * (nint)lds) + j + 48);
        a20.Store(s + (2 * (nint)lds) + j);
        a21.Store(s + (2 * (nint)lds) + j + 16);
        a22.Store(s + (2 * (nint)lds) + j + 32);
        a23.Store(s + (2 * (nint)lds) + j + 48);
        a30.Store(s + (3 * (nint)lds) + j);
        a31.Store(s + (3 * (nint)lds) + j + 16);
        a32.Store(s + (3 * (nint)lds) + j + 32);
        a33.Store(s + (3 * (nint)lds) + j + 48);
    }

    // s[r, j + c·16] for 4 rows and 2 key vector(s) from column j.
    private static void ScoresTile512x2(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int j)
    {
        float* q0 = qs, q1 = qs + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        Vector512<float> a00, a01, a10, a11, a20, a21, a30, a31;
        a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = Vector512<float>.Zero;
        float* col = kT + j;
        for (int d = 0; d < headDim; d++, col += ldk)
        {
            Vector512<float> k0 = Vector512.Load(col);
            Vector512<float> k1 = Vector512.Load(col + 16);
            Vector512<float> b0 = Vector512.Create(q0[d]);
            a00 = Vector512.FusedMultiplyAdd(k0, b0, a00);
            a01 = Vector512.FusedMultiplyAdd(k1, b0, a01);
            Vector512<float> b1 = Vector512.Create(q1[d]);
            a10 = Vector512.FusedMultiplyAdd(k0, b1, a10);
            a11 = Vector512.FusedMultiplyAdd(k1, b1, a11);
            Vector512<float> b2 = Vector512.Create(q2[d]);
            a20 = Vector512.FusedMultiplyAdd(k0, b2, a20);
            a21 = Vector512.FusedMultiplyAdd(k1, b2, a21);
            Vector512<float> b3 = Vector512.Create(q3[d]);
            a30 = Vector512.FusedMultiplyAdd(k0, b3, a30);
            a31 = Vector512.FusedMultiplyAdd(k1, b3, a31);
        }

        a00.Store(s + j);
        a01.Store(s + j + 16);
        a10.Store(s + (1 * (nint)lds) + j);
        a11.Store(s + (1 * (nint)lds) + j + 16);
        a20.Store(s + (2 * (nint)lds) + j);
        a21.Store(s + (2 * (nint)lds) + j + 16);
        a30.Store(s + (3 * (nint)lds) + j);
        a31.Store(s + (3 * (nint)lds) + j + 16);
    }

    // s[r, j + c·16] for 4 rows and 1 key vector(s) from column j.
    private static void ScoresTile512x1(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int j)
    {
        float* q0 = qs, q1 = qs + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        Vector512<float> a00, a10, a20, a30;
        a00 = a10 = a20 = a30 = Vector512<float>.Zero;
        float* col = kT + j;
        for (int d = 0; d < headDim; d++, col += ldk)
        {
            Vector512<float> k0 = Vector512.Load(col);
            Vector512<float> b0 = Vector512.Create(q0[d]);
            a00 = Vector512.FusedMultiplyAdd(k0, b0, a00);
            Vector512<float> b1 = Vector512.Create(q1[d]);
            a10 = Vector512.FusedMultiplyAdd(k0, b1, a10);
            Vector512<float> b2 = Vector512.Create(q2[d]);
            a20 = Vector512.FusedMultiplyAdd(k0, b2, a20);
            Vector512<float> b3 = Vector512.Create(q3[d]);
            a30 = Vector512.FusedMultiplyAdd(k0, b3, a30);
        }

        a00.Store(s + j);
        a10.Store(s + (1 * (nint)lds) + j);
        a20.Store(s + (2 * (nint)lds) + j);
        a30.Store(s + (3 * (nint)lds) + j);
    }

    // acc[r, d + c·16] += Σ_j p[r, j]·v[j, d + c·16] for 4 row(s) and 4 vector(s) of columns from d.
    private static void AccumulateTile512x4x4(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p, p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        Vector512<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (zero)
        {
            a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = Vector512<float>.Zero;
        }
        else
        {
            a00 = Vector512.Load(acc + (0 * (nint)headDim) + d + 0);
            a01 = Vector512.Load(acc + (0 * (nint)headDim) + d + 16);
            a02 = Vector512.Load(acc + (0 * (nint)headDim) + d + 32);
            a03 = Vector512.Load(acc + (0 * (nint)headDim) + d + 48);
            a10 = Vector512.Load(acc + (1 * (nint)headDim) + d + 0);
            a11 = Vector512.Load(acc + (1 * (nint)headDim) + d + 16);
            a12 = Vector512.Load(acc + (1 * (nint)headDim) + d + 32);
            a13 = Vector512.Load(acc + (1 * (nint)headDim) + d + 48);
            a20 = Vector512.Load(acc + (2 * (nint)headDim) + d + 0);
            a21 = Vector512.Load(acc + (2 * (nint)headDim) + d + 16);
            a22 = Vector512.Load(acc + (2 * (nint)headDim) + d + 32);
            a23 = Vector512.Load(acc + (2 * (nint)headDim) + d + 48);
            a30 = Vector512.Load(acc + (3 * (nint)headDim) + d + 0);
            a31 = Vector512.Load(acc + (3 * (nint)headDim) + d + 16);
            a32 = Vector512.Load(acc + (3 * (nint)headDim) + d + 32);
            a33 = Vector512.Load(acc + (3 * (nint)headDim) + d + 48);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector512<float> v0 = Vector512.Load(row);
            Vector512<float> v1 = Vector512.Load(row + 16);
            Vector512<float> v2 = Vector512.Load(row + 32);
            Vector512<float> v3 = Vector512.Load(row + 48);
            Vector512<float> b0 = Vector512.Create(p0[j]);
            a00 = Vector512.FusedMultiplyAdd(v0, b0, a00);
            a01 = Vector512.FusedMultiplyAdd(v1, b0, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, b0, a02);
            a03 = Vector512.FusedMultiplyAdd(v3, b0, a03);
            Vector512<float> b1 = Vector512.Create(p1[j]);
            a10 = Vector512.FusedMultiplyAdd(v0, b1, a10);
            a11 = Vector512.FusedMultiplyAdd(v1, b1, a11);
            a12 = Vector512.FusedMultiplyAdd(v2, b1, a12);
            a13 = Vector512.FusedMultiplyAdd(v3, b1, a13);
            Vector512<float> b2 = Vector512.Create(p2[j]);
            a20 = Vector512.FusedMultiplyAdd(v0, b2, a20);
            a21 = Vector512.FusedMultiplyAdd(v1, b2, a21);
            a22 = Vector512.FusedMultiplyAdd(v2, b2, a22);
            a23 = Vector512.FusedMultiplyAdd(v3, b2, a23);
            Vector512<float> b3 = Vector512.Create(p3[j]);
            a30 = Vector512.FusedMultiplyAdd(v0, b3, a30);
            a31 = Vector512.FusedMultiplyAdd(v1, b3, a31);
            a32 = Vector512.FusedMultiplyAdd(v2, b3, a32);
            a33 = Vector512.FusedMultiplyAdd(v3, b3, a33);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
        a01.Store(acc + (0 * (nint)headDim) + d + 16);
        a02.Store(acc + (0 * (nint)headDim) + d + 32);
        a03.Store(acc + (0 * (nint)headDim) + d + 48);
        a10.Store(acc + (1 * (nint)headDim) + d + 0);
        a11.Store(acc + (1 * (nint)headDim) + d + 16);
        a12.Store(acc + (1 * (nint)headDim) + d + 32);
        a13.Store(acc + (1 * (nint)headDim) + d + 48);
        a20.Store(acc + (2 * (nint)headDim) + d + 0);
        a21.Store(acc + (2 * (nint)headDim) + d + 16);
        a22.Store(acc + (2 * (nint)headDim) + d + 32);
        a23.Store(acc + (2 * (nint)headDim) + d + 48);
        a30.Store(acc + (3 * (nint)headDim) + d + 0);
        a31.Store(acc + (3 * (nint)headDim) + d + 16);
        a32.Store(acc + (3 * (nint)headDim) + d + 32);
        a33.Store(acc + (3 * (nint)headDim) + d + 48);
    }

    // acc[r, d + c·16] += Σ_j p[r, j]·v[j, d + c·16] for 1 row(s) and 4 vector(s) of columns from d.
    private static void AccumulateTile512x1x4(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p;
        Vector512<float> a00, a01, a02, a03;
        if (zero)
        {
            a00 = a01 = a02 = a03 = Vector512<float>.Zero;
        }
        else
        {
            a00 = Vector512.Load(acc + (0 * (nint)headDim) + d + 0);
            a01 = Vector512.Load(acc + (0 * (nint)headDim) + d + 16);
            a02 = Vector512.Load(acc + (0 * (nint)headDim) + d + 32);
            a03 = Vector512.Load(acc + (0 * (nint)headDim) + d + 48);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector512<float> v0 = Vector512.Load(row);
            Vector512<float> v1 = Vector512.Load(row + 16);
            Vector512<float> v2 = Vector512.Load(row + 32);
            Vector512<float> v3 = Vector512.Load(row + 48);
            Vector512<float> b0 = Vector512.Create(p0[j]);
            a00 = Vector512.FusedMultiplyAdd(v0, b0, a00);
            a01 = Vector512.FusedMultiplyAdd(v1, b0, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, b0, a02);
            a03 = Vector512.FusedMultiplyAdd(v3, b0, a03);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
        a01.Store(acc + (0 * (nint)headDim) + d + 16);
        a02.Store(acc + (0 * (nint)headDim) + d + 32);
        a03.Store(acc + (0 * (nint)headDim) + d + 48);
    }

    // acc[r, d + c·16] += Σ_j p[r, j]·v[j, d + c·16] for 4 row(s) and 1 vector(s) of columns from d.
    private static void AccumulateTile512x4x1(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p, p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        Vector512<float> a00, a10, a20, a30;
        if (zero)
        {
            a00 = a10 = a20 = a30 = Vector512<float>.Zero;
        }
        else
        {
            a00 = Vector512.Load(acc + (0 * (nint)headDim) + d + 0);
            a10 = Vector512.Load(acc + (1 * (nint)headDim) + d + 0);
            a20 = Vector512.Load(acc + (2 * (nint)headDim) + d + 0);
            a30 = Vector512.Load(acc + (3 * (nint)headDim) + d + 0);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector512<float> v0 = Vector512.Load(row);
            Vector512<float> b0 = Vector512.Create(p0[j]);
            a00 = Vector512.FusedMultiplyAdd(v0, b0, a00);
            Vector512<float> b1 = Vector512.Create(p1[j]);
            a10 = Vector512.FusedMultiplyAdd(v0, b1, a10);
            Vector512<float> b2 = Vector512.Create(p2[j]);
            a20 = Vector512.FusedMultiplyAdd(v0, b2, a20);
            Vector512<float> b3 = Vector512.Create(p3[j]);
            a30 = Vector512.FusedMultiplyAdd(v0, b3, a30);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
        a10.Store(acc + (1 * (nint)headDim) + d + 0);
        a20.Store(acc + (2 * (nint)headDim) + d + 0);
        a30.Store(acc + (3 * (nint)headDim) + d + 0);
    }

    // acc[r, d + c·16] += Σ_j p[r, j]·v[j, d + c·16] for 1 row(s) and 1 vector(s) of columns from d.
    private static void AccumulateTile512x1x1(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
    {
        float* p0 = p;
        Vector512<float> a00;
        if (zero)
        {
            a00 = Vector512<float>.Zero;
        }
        else
        {
            a00 = Vector512.Load(acc + (0 * (nint)headDim) + d + 0);
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Vector512<float> v0 = Vector512.Load(row);
            Vector512<float> b0 = Vector512.Create(p0[j]);
            a00 = Vector512.FusedMultiplyAdd(v0, b0, a00);
        }

        a00.Store(acc + (0 * (nint)headDim) + d + 0);
    }
}

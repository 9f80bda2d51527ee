using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

// The register tiles of AttentionTiles, once for every width and tile size: up to 4 rows × 4 vectors of
// accumulators, of which a tile keeps TRows × TColumns (the rest, and the branches guarding them, fold away).
// Every accumulator lane is one output element's fused multiply-add chain in the same order as the scalar
// path, so tiles of any size and width give the same bits.
internal static unsafe partial class AttentionTiles
{
    // s[r, j + c·W] for 4 rows and TColumns key vectors from column j.
    private static void ScoresTile<TWidth, TVec, TColumns>(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int j)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TColumns : struct, ITileCount
    {
        float* q0 = qs, q1 = qs + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        TVec a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = TWidth.Zero;
        float* col = kT + j;
        for (int d = 0; d < headDim; d++, col += ldk)
        {
            Load<TWidth, TVec, TColumns>(col, out TVec k0, out TVec k1, out TVec k2, out TVec k3);
            Fma<TWidth, TVec, TColumns>(k0, k1, k2, k3, TWidth.Create(q0[d]), ref a00, ref a01, ref a02, ref a03);
            Fma<TWidth, TVec, TColumns>(k0, k1, k2, k3, TWidth.Create(q1[d]), ref a10, ref a11, ref a12, ref a13);
            Fma<TWidth, TVec, TColumns>(k0, k1, k2, k3, TWidth.Create(q2[d]), ref a20, ref a21, ref a22, ref a23);
            Fma<TWidth, TVec, TColumns>(k0, k1, k2, k3, TWidth.Create(q3[d]), ref a30, ref a31, ref a32, ref a33);
        }

        Store<TWidth, TVec, TColumns>(s + j, a00, a01, a02, a03);
        Store<TWidth, TVec, TColumns>(s + (1 * (nint)lds) + j, a10, a11, a12, a13);
        Store<TWidth, TVec, TColumns>(s + (2 * (nint)lds) + j, a20, a21, a22, a23);
        Store<TWidth, TVec, TColumns>(s + (3 * (nint)lds) + j, a30, a31, a32, a33);
    }

    // acc[r, d + c·W] += Σ_j p[r, j]·v[j, d + c·W] for TRows rows (1 or 4) and TColumns vectors of columns from d.
    private static void AccumulateTile<TWidth, TVec, TRows, TColumns>(float* p, int ldp, int j0, int j1, float* v, int headDim, float* acc, bool zero, int d)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TRows : struct, ITileCount
        where TColumns : struct, ITileCount
    {
        bool four = TRows.Value == Rows;
        float* p0 = p, p1 = p + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
        float* c0 = acc + d, c1 = c0 + headDim, c2 = c1 + headDim, c3 = c2 + headDim;
        TVec a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = TWidth.Zero;
        if (!zero)
        {
            Load<TWidth, TVec, TColumns>(c0, out a00, out a01, out a02, out a03);
            if (four)
            {
                Load<TWidth, TVec, TColumns>(c1, out a10, out a11, out a12, out a13);
                Load<TWidth, TVec, TColumns>(c2, out a20, out a21, out a22, out a23);
                Load<TWidth, TVec, TColumns>(c3, out a30, out a31, out a32, out a33);
            }
        }

        float* row = v + ((nint)j0 * headDim) + d;
        for (int j = j0; j < j1; j++, row += headDim)
        {
            Load<TWidth, TVec, TColumns>(row, out TVec v0, out TVec v1, out TVec v2, out TVec v3);
            Fma<TWidth, TVec, TColumns>(v0, v1, v2, v3, TWidth.Create(p0[j]), ref a00, ref a01, ref a02, ref a03);
            if (four)
            {
                Fma<TWidth, TVec, TColumns>(v0, v1, v2, v3, TWidth.Create(p1[j]), ref a10, ref a11, ref a12, ref a13);
                Fma<TWidth, TVec, TColumns>(v0, v1, v2, v3, TWidth.Create(p2[j]), ref a20, ref a21, ref a22, ref a23);
                Fma<TWidth, TVec, TColumns>(v0, v1, v2, v3, TWidth.Create(p3[j]), ref a30, ref a31, ref a32, ref a33);
            }
        }

        Store<TWidth, TVec, TColumns>(c0, a00, a01, a02, a03);
        if (four)
        {
            Store<TWidth, TVec, TColumns>(c1, a10, a11, a12, a13);
            Store<TWidth, TVec, TColumns>(c2, a20, a21, a22, a23);
            Store<TWidth, TVec, TColumns>(c3, a30, a31, a32, a33);
        }
    }

    // The first TColumns vectors from x; the others are zero and unused.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load<TWidth, TVec, TColumns>(float* x, out TVec x0, out TVec x1, out TVec x2, out TVec x3)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TColumns : struct, ITileCount
    {
        nuint w = (nuint)TWidth.Count;
        x0 = TWidth.Load(ref *x, 0);
        x1 = TColumns.Value > 1 ? TWidth.Load(ref *x, w) : TWidth.Zero;
        x2 = TColumns.Value > 2 ? TWidth.Load(ref *x, 2 * w) : TWidth.Zero;
        x3 = TColumns.Value > 3 ? TWidth.Load(ref *x, 3 * w) : TWidth.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TWidth, TVec, TColumns>(float* y, TVec y0, TVec y1, TVec y2, TVec y3)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TColumns : struct, ITileCount
    {
        nuint w = (nuint)TWidth.Count;
        TWidth.Store(y0, ref *y, 0);
        if (TColumns.Value > 1)
        {
            TWidth.Store(y1, ref *y, w);
        }

        if (TColumns.Value > 2)
        {
            TWidth.Store(y2, ref *y, 2 * w);
        }

        if (TColumns.Value > 3)
        {
            TWidth.Store(y3, ref *y, 3 * w);
        }
    }

    // a_c = x_c·b + a_c for the first TColumns vectors: one step of each of their chains.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fma<TWidth, TVec, TColumns>(TVec x0, TVec x1, TVec x2, TVec x3, TVec b, ref TVec a0, ref TVec a1, ref TVec a2, ref TVec a3)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TColumns : struct, ITileCount
    {
        a0 = TWidth.FusedMultiplyAdd(x0, b, a0);
        if (TColumns.Value > 1)
        {
            a1 = TWidth.FusedMultiplyAdd(x1, b, a1);
        }

        if (TColumns.Value > 2)
        {
            a2 = TWidth.FusedMultiplyAdd(x2, b, a2);
        }

        if (TColumns.Value > 3)
        {
            a3 = TWidth.FusedMultiplyAdd(x3, b, a3);
        }
    }
}

using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

// How AttentionTiles covers a block with register tiles at one width: the widest tile (TWide vectors across,
// four for Vector512, and for Vector128, whose 32 NEON registers hold a 4 × 4 tile; two for Vector256's 16)
// while it fits, then narrower ones. The choice moves no bits: every tile runs the same chains.
internal static unsafe partial class AttentionTiles
{
    private static void Scores<TWidth, TVec, TWide>(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int keys)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TWide : struct, ITileCount
    {
        int w = TWidth.Count;
        int vectors = (keys + w - 1) / w;
        int c = 0;
        for (; c + TWide.Value <= vectors; c += TWide.Value)
        {
            ScoresTile<TWidth, TVec, TWide>(kT, ldk, qs, headDim, s, lds, c * w);
        }

        if (TWide.Value > 2 && c + 2 <= vectors)
        {
            ScoresTile<TWidth, TVec, TileTwo>(kT, ldk, qs, headDim, s, lds, c * w);
            c += 2;
        }

        if (c < vectors)
        {
            ScoresTile<TWidth, TVec, TileOne>(kT, ldk, qs, headDim, s, lds, c * w);
        }
    }

    private static void ScoresScalar(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int keys)
    {
        for (int r = 0; r < Rows; r++)
        {
            float* q = qs + ((nint)r * headDim);
            for (int j = 0; j < keys; j++)
            {
                float a = 0f;
                for (int d = 0; d < headDim; d++)
                {
                    a = MathF.FusedMultiplyAdd(q[d], kT[((nint)d * ldk) + j], a);
                }

                s[((nint)r * lds) + j] = a;
            }
        }
    }

    // The columns d < the returned count, in whole vectors; the caller finishes the rest in scalar.
    private static int Accumulate<TWidth, TVec, TWide>(float* p, int ldp, int rows, int j0, int j1, float* v, int headDim, float* acc, bool zero)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        where TWide : struct, ITileCount
    {
        int w = TWidth.Count;
        int d = 0;
        for (; d + (TWide.Value * w) <= headDim; d += TWide.Value * w)
        {
            if (rows == Rows)
            {
                AccumulateTile<TWidth, TVec, TileFour, TWide>(p, ldp, j0, j1, v, headDim, acc, zero, d);
            }
            else
            {
                AccumulateTile<TWidth, TVec, TileOne, TWide>(p, ldp, j0, j1, v, headDim, acc, zero, d);
            }
        }

        for (; d + w <= headDim; d += w)
        {
            if (rows == Rows)
            {
                AccumulateTile<TWidth, TVec, TileFour, TileOne>(p, ldp, j0, j1, v, headDim, acc, zero, d);
            }
            else
            {
                AccumulateTile<TWidth, TVec, TileOne, TileOne>(p, ldp, j0, j1, v, headDim, acc, zero, d);
            }
        }

        return d;
    }
}

using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

// The two products of attention for a block of Rows query rows at once, so that every key or value
// vector loaded feeds Rows accumulators: scores = qs · kT over headDim, and acc = p · V over keys.
// Each output element is one fused multiply-add chain (over d for a score, over j for an output)
// in increasing index order, whatever the block, tile or ISA: a row's bits never depend on which
// rows share its block or how many keys lie past the ones it reads.
internal static unsafe partial class AttentionTiles
{
    public const int Rows = 4;

    // Key columns of kT (and score rows) are padded to a multiple of this, so score vectors never
    // run past the scratch; lanes past the visible keys are idle and never read.
    public const int KeyPadding = 16;

    public static int PaddedKeys(int keyLength) => (keyLength + KeyPadding - 1) / KeyPadding * KeyPadding;

    // s[r, j] = Σ_d qs[r, d]·kT[d, j] for r < Rows and j < keys, rounded up to whole vectors.
    // qs: [Rows, headDim]; kT: [headDim, ldk]; s: [Rows, lds], lds ≥ PaddedKeys(keys).
    public static void Scores(float* kT, int ldk, float* qs, int headDim, float* s, int lds, int keys, KernelIsa isa)
    {
        int c = 0;
        if (isa == KernelIsa.Vector512)
        {
            const int W = 16;
            int vectors = (keys + W - 1) / W;
            for (; c + 4 <= vectors; c += 4)
            {
                ScoresTile512x4(kT, ldk, qs, headDim, s, lds, c * W);
            }

            if (c + 2 <= vectors)
            {
                ScoresTile512x2(kT, ldk, qs, headDim, s, lds, c * W);
                c += 2;
            }

            if (c < vectors)
            {
                ScoresTile512x1(kT, ldk, qs, headDim, s, lds, c * W);
            }
        }
        else if (isa == KernelIsa.Vector256)
        {
            const int W = 8;
            int vectors = (keys + W - 1) / W;
            for (; c + 2 <= vectors; c += 2)
            {
                ScoresTile256x2(kT, ldk, qs, headDim, s, lds, c * W);
            }

            if (c < vectors)
            {
                ScoresTile256x1(kT, ldk, qs, headDim, s, lds, c * W);
            }
        }
        else
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
    }

    // acc[r, d] = (zero ? 0 : acc[r, d]) + Σ_{j0 ≤ j < j1} p[r, j]·v[j, d] for r < rows (Rows or 1), d < headDim.
    // Splitting a row's keys over several calls gives the same bits as one call: the chain is only
    // stored and reloaded. p: [rows, ldp]; v: [keys, headDim]; acc: [rows, headDim].
    public static void Accumulate(float* p, int ldp, int rows, int j0, int j1, float* v, int headDim, float* acc, bool zero, KernelIsa isa)
    {
        int d = 0;
        if (isa == KernelIsa.Vector512)
        {
            for (; d + 64 <= headDim; d += 64)
            {
                if (rows == Rows)
                {
                    AccumulateTile512x4x4(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
                else
                {
                    AccumulateTile512x1x4(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
            }

            for (; d + 16 <= headDim; d += 16)
            {
                if (rows == Rows)
                {
                    AccumulateTile512x4x1(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
                else
                {
                    AccumulateTile512x1x1(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
            }
        }
        else if (isa == KernelIsa.Vector256)
        {
            for (; d + 16 <= headDim; d += 16)
            {
                if (rows == Rows)
                {
                    AccumulateTile256x4x2(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
                else
                {
                    AccumulateTile256x1x2(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
            }

            for (; d + 8 <= headDim; d += 8)
            {
                if (rows == Rows)
                {
                    AccumulateTile256x4x1(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
                else
                {
                    AccumulateTile256x1x1(p, ldp, j0, j1, v, headDim, acc, zero, d);
                }
            }
        }

        for (int r = 0; r < rows; r++)
        {
            float* pr = p + ((nint)r * ldp);
            float* ar = acc + ((nint)r * headDim);
            for (int dd = d; dd < headDim; dd++)
            {
                float a = zero ? 0f : ar[dd];
                for (int j = j0; j < j1; j++)
                {
                    a = MathF.FusedMultiplyAdd(pr[j], v[((nint)j * headDim) + dd], a);
                }

                ar[dd] = a;
            }
        }
    }

    // o[d] = x[d]·scale for d < n.
    public static void ScaleTo(float* x, float* o, int n, float scale, KernelIsa isa)
        => UnaryMap.Run(new ScaleOperator(scale), ref *x, ref *o, n, isa);
}

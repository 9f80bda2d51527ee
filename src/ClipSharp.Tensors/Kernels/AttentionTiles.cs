using System.Runtime.Intrinsics;
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
        switch (isa)
        {
            case KernelIsa.Vector512:
                Scores<Simd512, Vector512<float>, TileFour>(kT, ldk, qs, headDim, s, lds, keys);
                break;
            case KernelIsa.Vector256:
                Scores<Simd256, Vector256<float>, TileTwo>(kT, ldk, qs, headDim, s, lds, keys);
                break;
            case KernelIsa.Vector128:
                Scores<Simd128, Vector128<float>, TileFour>(kT, ldk, qs, headDim, s, lds, keys);
                break;
            default:
                ScoresScalar(kT, ldk, qs, headDim, s, lds, keys);
                break;
        }
    }

    // acc[r, d] = (zero ? 0 : acc[r, d]) + Σ_{j0 ≤ j < j1} p[r, j]·v[j, d] for r < rows (Rows or 1), d < headDim.
    // Splitting a row's keys over several calls gives the same bits as one call: the chain is only
    // stored and reloaded. p: [rows, ldp]; v: [keys, headDim]; acc: [rows, headDim].
    public static void Accumulate(float* p, int ldp, int rows, int j0, int j1, float* v, int headDim, float* acc, bool zero, KernelIsa isa)
    {
        int d = isa switch
        {
            KernelIsa.Vector512 => Accumulate<Simd512, Vector512<float>, TileFour>(p, ldp, rows, j0, j1, v, headDim, acc, zero),
            KernelIsa.Vector256 => Accumulate<Simd256, Vector256<float>, TileTwo>(p, ldp, rows, j0, j1, v, headDim, acc, zero),
            KernelIsa.Vector128 => Accumulate<Simd128, Vector128<float>, TileFour>(p, ldp, rows, j0, j1, v, headDim, acc, zero),
            _ => 0,
        };

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

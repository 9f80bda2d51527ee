using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// The two products inside one attention row, register-blocked so that accumulators stay in
// registers across the reduction: scores = qs · kT over headDim, and o = p · V over the keys.
internal static unsafe class AttentionTiles
{
    // Key columns of kT are padded to a multiple of this (with zeros), so score vectors never run
    // past the scratch; lanes past the visible keys are idle and never read.
    public const int KeyPadding = 16;

    public static int PaddedKeys(int keyLength) => (keyLength + KeyPadding - 1) / KeyPadding * KeyPadding;

    // scores[j] = Σ_d qs[d]·kT[d, j] for j < visible; kT: [headDim, ldk].
    public static void Scores(float* kT, int ldk, float* qs, int headDim, float* scores, int visible, KernelIsa isa)
    {
        if (isa == KernelIsa.Vector512)
        {
            Scores512(kT, ldk, qs, headDim, scores, visible);
        }
        else if (isa == KernelIsa.Vector256)
        {
            Scores256(kT, ldk, qs, headDim, scores, visible);
        }
        else
        {
            for (int j = 0; j < visible; j++)
            {
                float s = 0f;
                for (int d = 0; d < headDim; d++)
                {
                    s = MathF.FusedMultiplyAdd(qs[d], kT[((nint)d * ldk) + j], s);
                }

                scores[j] = s;
            }
        }
    }

    // o[d] = scale·Σ_j p[j]·v[j, d] for d < headDim; v rows are vStride apart.
    public static void WeightedSum(float* p, int visible, float* v, int vStride, int headDim, float scale, float* o, KernelIsa isa)
    {
        int d = 0;
        if (isa == KernelIsa.Vector512)
        {
            d = WeightedSum512(p, visible, v, vStride, headDim, scale, o);
        }
        else if (isa == KernelIsa.Vector256)
        {
            d = WeightedSum256(p, visible, v, vStride, headDim, scale, o);
        }

        for (; d < headDim; d++)
        {
            float acc = 0f;
            for (int j = 0; j < visible; j++)
            {
                acc = MathF.FusedMultiplyAdd(p[j], v[((nint)j * vStride) + d], acc);
            }

            o[d] = acc * scale;
        }
    }

    private static void Scores512(float* kT, int ldk, float* qs, int headDim, float* scores, int visible)
    {
        const int W = 16;
        int j = 0;
        for (; j <= visible - (4 * W); j += 4 * W)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* col = kT + j;
            for (int d = 0; d < headDim; d++, col += ldk)
            {
                Vector512<float> q = Vector512.Create(qs[d]);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(col), q, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(col + W), q, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(col + (2 * W)), q, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(col + (3 * W)), q, a3);
            }

            a0.Store(scores + j);
            a1.Store(scores + j + W);
            a2.Store(scores + j + (2 * W));
            a3.Store(scores + j + (3 * W));
        }

        for (; j < visible; j += W)
        {
            Vector512<float> a = Vector512<float>.Zero;
            float* col = kT + j;
            for (int d = 0; d < headDim; d++, col += ldk)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.Load(col), Vector512.Create(qs[d]), a);
            }

            a.Store(scores + j);
        }
    }

    private static void Scores256(float* kT, int ldk, float* qs, int headDim, float* scores, int visible)
    {
        const int W = 8;
        int j = 0;
        for (; j <= visible - (4 * W); j += 4 * W)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* col = kT + j;
            for (int d = 0; d < headDim; d++, col += ldk)
            {
                Vector256<float> q = Vector256.Create(qs[d]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(col), q, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(col + W), q, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(col + (2 * W)), q, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(col + (3 * W)), q, a3);
            }

            a0.Store(scores + j);
            a1.Store(scores + j + W);
            a2.Store(scores + j + (2 * W));
            a3.Store(scores + j + (3 * W));
        }

        for (; j < visible; j += W)
        {
            Vector256<float> a = Vector256<float>.Zero;
            float* col = kT + j;
            for (int d = 0; d < headDim; d++, col += ldk)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.Load(col), Vector256.Create(qs[d]), a);
            }

            a.Store(scores + j);
        }
    }

    // Returns how many leading columns of o it wrote (whole vectors); the caller finishes the rest.
    private static int WeightedSum512(float* p, int visible, float* v, int vStride, int headDim, float scale, float* o)
    {
        const int W = 16;
        Vector512<float> s = Vector512.Create(scale);
        int d = 0;
        for (; d <= headDim - (4 * W); d += 4 * W)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* row = v + d;
            for (int j = 0; j < visible; j++, row += vStride)
            {
                Vector512<float> pj = Vector512.Create(p[j]);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(row), pj, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(row + W), pj, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(row + (2 * W)), pj, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(row + (3 * W)), pj, a3);
            }

            (a0 * s).Store(o + d);
            (a1 * s).Store(o + d + W);
            (a2 * s).Store(o + d + (2 * W));
            (a3 * s).Store(o + d + (3 * W));
        }

        for (; d <= headDim - W; d += W)
        {
            Vector512<float> a = Vector512<float>.Zero;
            float* row = v + d;
            for (int j = 0; j < visible; j++, row += vStride)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.Load(row), Vector512.Create(p[j]), a);
            }

            (a * s).Store(o + d);
        }

        return d;
    }

    private static int WeightedSum256(float* p, int visible, float* v, int vStride, int headDim, float scale, float* o)
    {
        const int W = 8;
        Vector256<float> s = Vector256.Create(scale);
        int d = 0;
        for (; d <= headDim - (4 * W); d += 4 * W)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* row = v + d;
            for (int j = 0; j < visible; j++, row += vStride)
            {
                Vector256<float> pj = Vector256.Create(p[j]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(row), pj, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(row + W), pj, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(row + (2 * W)), pj, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(row + (3 * W)), pj, a3);
            }

            (a0 * s).Store(o + d);
            (a1 * s).Store(o + d + W);
            (a2 * s).Store(o + d + (2 * W));
            (a3 * s).Store(o + d + (3 * W));
        }

        for (; d <= headDim - W; d += W)
        {
            Vector256<float> a = Vector256<float>.Zero;
            float* row = v + d;
            for (int j = 0; j < visible; j++, row += vStride)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.Load(row), Vector256.Create(p[j]), a);
            }

            (a * s).Store(o + d);
        }

        return d;
    }
}

using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// The softmax of one attention row in place: s[j] = e^(s[j] − max) for j < visible, returning Σ s[j].
// The vector paths finish the row with one masked vector instead of scalar e^x, so a row costs whole vectors
// only; lanes past visible may hold anything (later keys, NaN from masked-off keys) and never reach max or sum.
// The operations depend on visible alone, so a row's result is the same whatever rows or keys surround it.
internal static unsafe class AttentionSoftmax
{
    // The row s must have room for visible rounded up to a whole vector of the chosen ISA.
    public static float ExpInPlace(float* s, int visible, KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => ExpInPlace512(s, visible),
        KernelIsa.Vector256 => ExpInPlace256(s, visible),
        _ => ExpInPlaceScalar(s, visible),
    };

    private static float ExpInPlaceScalar(float* s, int visible)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < visible; j++)
        {
            max = MathF.Max(max, s[j]);
        }

        float sum = 0f;
        for (int j = 0; j < visible; j++)
        {
            float e = VectorExp.Exp(s[j] - max);
            s[j] = e;
            sum += e;
        }

        return sum;
    }

    private static float ExpInPlace512(float* s, int visible)
    {
        const int W = 16;
        int full = visible / W * W;
        int rest = visible - full;
        Vector512<float> tail = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rest)).AsSingle();
        Vector512<float> m = Vector512.Create(float.NegativeInfinity);
        for (int j = 0; j < full; j += W)
        {
            m = Vector512.Max(m, Vector512.Load(s + j));
        }

        if (rest > 0)
        {
            m = Vector512.Max(m, Vector512.ConditionalSelect(tail, Vector512.Load(s + full), m));
        }

        Vector256<float> m8 = Vector256.Max(m.GetLower(), m.GetUpper());
        Vector128<float> m4 = Vector128.Max(m8.GetLower(), m8.GetUpper());
        float max = MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));

        Vector512<float> shift = Vector512.Create(max);
        Vector512<float> acc = Vector512<float>.Zero;
        for (int j = 0; j < full; j += W)
        {
            Vector512<float> e = VectorExp.Exp(Vector512.Load(s + j) - shift);
            e.Store(s + j);
            acc += e;
        }

        if (rest > 0)
        {
            Vector512<float> e = VectorExp.Exp(Vector512.Load(s + full) - shift) & tail;
            e.Store(s + full);
            acc += e;
        }

        return Vector512.Sum(acc);
    }

    private static float ExpInPlace256(float* s, int visible)
    {
        const int W = 8;
        int full = visible / W * W;
        int rest = visible - full;
        Vector256<float> tail = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rest)).AsSingle();
        Vector256<float> m = Vector256.Create(float.NegativeInfinity);
        for (int j = 0; j < full; j += W)
        {
            m = Vector256.Max(m, Vector256.Load(s + j));
        }

        if (rest > 0)
        {
            m = Vector256.Max(m, Vector256.ConditionalSelect(tail, Vector256.Load(s + full), m));
        }

        Vector128<float> m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        float max = MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));

        Vector256<float> shift = Vector256.Create(max);
        Vector256<float> acc = Vector256<float>.Zero;
        for (int j = 0; j < full; j += W)
        {
            Vector256<float> e = VectorExp.Exp(Vector256.Load(s + j) - shift);
            e.Store(s + j);
            acc += e;
        }

        if (rest > 0)
        {
            Vector256<float> e = VectorExp.Exp(Vector256.Load(s + full) - shift) & tail;
            e.Store(s + full);
            acc += e;
        }

        return Vector256.Sum(acc);
    }
}

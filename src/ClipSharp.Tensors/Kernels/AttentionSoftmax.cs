using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Simd;

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
        KernelIsa.Vector512 => ExpInPlace<Simd512, Vector512<float>>(s, visible),
        KernelIsa.Vector256 => ExpInPlace<Simd256, Vector256<float>>(s, visible),
        KernelIsa.Vector128 => ExpInPlace<Simd128, Vector128<float>>(s, visible),
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
            float e = SimdExp.Exp(s[j] - max);
            s[j] = e;
            sum += e;
        }

        return sum;
    }

    private static float ExpInPlace<TWidth, TVec>(float* s, int visible)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int w = TWidth.Count;
        int full = visible / w * w;
        int rest = visible - full;
        ref float row = ref *s;
        TVec tail = TWidth.FirstLanes(rest);
        TVec m = TWidth.Create(float.NegativeInfinity);
        for (int j = 0; j < full; j += w)
        {
            m = TWidth.Max(m, TWidth.Load(ref row, (nuint)j));
        }

        if (rest > 0)
        {
            m = TWidth.Max(m, TWidth.ConditionalSelect(tail, TWidth.Load(ref row, (nuint)full), m));
        }

        TVec shift = TWidth.Create(TWidth.MaxAcross(m));
        TVec acc = TWidth.Zero;
        for (int j = 0; j < full; j += w)
        {
            TVec e = SimdExp.Exp<TWidth, TVec>(TWidth.Subtract(TWidth.Load(ref row, (nuint)j), shift));
            TWidth.Store(e, ref row, (nuint)j);
            acc = TWidth.Add(acc, e);
        }

        if (rest > 0)
        {
            TVec e = TWidth.And(SimdExp.Exp<TWidth, TVec>(TWidth.Subtract(TWidth.Load(ref row, (nuint)full), shift)), tail);
            TWidth.Store(e, ref row, (nuint)full);
            acc = TWidth.Add(acc, e);
        }

        return TWidth.Sum(acc);
    }
}

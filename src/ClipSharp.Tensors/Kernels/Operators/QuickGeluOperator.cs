using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// x·σ(1.702x) = x / (1 + e^(−1.702x)).
internal readonly struct QuickGeluOperator : IUnaryOperator
{
    // 1.702 = AlphaHi + AlphaLo; carrying the low part and the rounding of 1.702·x into e^(−1.702x)
    // keeps large |x| accurate, where the exponent's rounding error would otherwise be amplified.
    // (e·(1 − lo), not an FMA, so that e = inf stays inf rather than inf − inf.)
    private const float AlphaHi = 1.702f;
    private const float AlphaLo = (float)(1.702 - (double)AlphaHi);

    // σ(1.702x) is exactly 0 or 1 in float beyond |x| = 100; clamping the exponent's input there
    // keeps 1.702x finite.
    private const float Clamp = 100f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x)
    {
        float vc = MathF.Min(MathF.Max(x, -Clamp), Clamp);
        float a = vc * AlphaHi;
        float lo = MathF.FusedMultiplyAdd(vc, AlphaHi, -a);
        lo = MathF.FusedMultiplyAdd(vc, AlphaLo, lo);
        float e = MathF.Exp(-a);
        e *= 1f - lo;
        return x / (1f + e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec vc = TWidth.Clamp(x, TWidth.Create(-Clamp), TWidth.Create(Clamp));
        TVec a = TWidth.Multiply(vc, TWidth.Create(AlphaHi));
        TVec lo = TWidth.FusedMultiplyAdd(vc, TWidth.Create(AlphaHi), TWidth.Negate(a));
        lo = TWidth.FusedMultiplyAdd(vc, TWidth.Create(AlphaLo), lo);
        TVec e = SimdExp.Exp<TWidth, TVec>(TWidth.Negate(a));
        e = TWidth.Multiply(e, TWidth.Subtract(TWidth.One, lo));
        return TWidth.Divide(x, TWidth.Add(TWidth.One, e));
    }
}

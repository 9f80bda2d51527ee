using System.Runtime.CompilerServices;

namespace ClipSharp.Tensors.Kernels.Simd;

// erf in float32, to a few ulp (the erfc tail to a few ulp *relative*, so 1 + erf(x) stays accurate
// where it is tiny, which exact GELU needs for negative inputs).
// |z| < 0.875: erf(z) = z·P(z²), P a degree-7 Chebyshev fit of erf(√s)/√s on s ∈ [0, 0.875²].
// |z| ≥ 0.875: erfc(z) = e^(−z²)·G(t), t = 1/(1 + z/2), G a degree-11 Chebyshev fit of
// erfc(z)·e^(z²) for z ∈ [0.875, 11] (fit error < 1e-11; the rest is float rounding).
// The coefficients were computed for this file at 40-digit precision and rounded to float.
internal static class SimdErf
{
    public const float SmallLimit = 0.875f;

    private const float P7 = -1.068997517e-05f;
    private const float P6 = 1.155924547e-04f;
    private const float P5 = -8.517123642e-04f;
    private const float P4 = 5.222876556e-03f;
    private const float P3 = -2.686595730e-02f;
    private const float P2 = 1.128378958e-01f;
    private const float P1 = -3.761263788e-01f;
    private const float P0 = 1.128379226e+00f;

    private const float Q11 = 7.461959869e-02f;
    private const float Q10 = -3.854192197e-01f;
    private const float Q9 = 8.099384904e-01f;
    private const float Q8 = -8.366501927e-01f;
    private const float Q7 = 4.251722693e-01f;
    private const float Q6 = -2.088124752e-01f;
    private const float Q5 = 1.451651901e-01f;
    private const float Q4 = 1.632213444e-01f;
    private const float Q3 = 2.487692982e-01f;
    private const float Q2 = 2.819056809e-01f;
    private const float Q1 = 2.821057439e-01f;
    private const float Q0 = -2.843972311e-07f;

    // Past 10 erfc underflows; clamping keeps z² finite so the split below never sees inf − inf.
    private const float TailClamp = 10f;

    // erf(z)/z as a polynomial in s = z², for |z| < SmallLimit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec ErfOverZ<TWidth, TVec>(TVec s)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec p = TWidth.FusedMultiplyAdd(TWidth.Create(P7), s, TWidth.Create(P6));
        p = TWidth.FusedMultiplyAdd(p, s, TWidth.Create(P5));
        p = TWidth.FusedMultiplyAdd(p, s, TWidth.Create(P4));
        p = TWidth.FusedMultiplyAdd(p, s, TWidth.Create(P3));
        p = TWidth.FusedMultiplyAdd(p, s, TWidth.Create(P2));
        p = TWidth.FusedMultiplyAdd(p, s, TWidth.Create(P1));
        p = TWidth.FusedMultiplyAdd(p, s, TWidth.Create(P0));
        return p;
    }

    // erfc(z)·e^(z²), for z ≥ SmallLimit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec ErfcScaled<TWidth, TVec>(TVec z)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec t = TWidth.Divide(TWidth.One, TWidth.FusedMultiplyAdd(z, TWidth.Create(0.5f), TWidth.One));
        TVec p = TWidth.FusedMultiplyAdd(TWidth.Create(Q11), t, TWidth.Create(Q10));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q9));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q8));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q7));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q6));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q5));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q4));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q3));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q2));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q1));
        p = TWidth.FusedMultiplyAdd(p, t, TWidth.Create(Q0));
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Erf<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec z = TWidth.Abs(x);
        TVec s = TWidth.Multiply(x, x);
        TVec small = TWidth.Multiply(x, ErfOverZ<TWidth, TVec>(s));

        TVec zc = TWidth.ClampMax(z, TWidth.Create(TailClamp));
        TVec sc = TWidth.Multiply(zc, zc);

        // e^(−z²) from the exact split z² = sc + lo, so rounding z² costs nothing at large z.
        TVec lo = TWidth.FusedMultiplyAdd(zc, zc, TWidth.Negate(sc));
        TVec e = SimdExp.Exp<TWidth, TVec>(TWidth.Negate(sc));
        e = TWidth.FusedMultiplyAdd(TWidth.Negate(e), lo, e);
        TVec large = TWidth.CopySign(TWidth.Subtract(TWidth.One, TWidth.Multiply(e, ErfcScaled<TWidth, TVec>(zc))), x);
        return TWidth.ConditionalSelect(TWidth.LessThan(z, TWidth.Create(SmallLimit)), small, large);
    }

    public static float ErfOverZ(float s)
    {
        float p = MathF.FusedMultiplyAdd(P7, s, P6);
        p = MathF.FusedMultiplyAdd(p, s, P5);
        p = MathF.FusedMultiplyAdd(p, s, P4);
        p = MathF.FusedMultiplyAdd(p, s, P3);
        p = MathF.FusedMultiplyAdd(p, s, P2);
        p = MathF.FusedMultiplyAdd(p, s, P1);
        p = MathF.FusedMultiplyAdd(p, s, P0);
        return p;
    }

    public static float ErfcScaled(float z)
    {
        float t = 1f / MathF.FusedMultiplyAdd(z, 0.5f, 1f);
        float p = MathF.FusedMultiplyAdd(Q11, t, Q10);
        p = MathF.FusedMultiplyAdd(p, t, Q9);
        p = MathF.FusedMultiplyAdd(p, t, Q8);
        p = MathF.FusedMultiplyAdd(p, t, Q7);
        p = MathF.FusedMultiplyAdd(p, t, Q6);
        p = MathF.FusedMultiplyAdd(p, t, Q5);
        p = MathF.FusedMultiplyAdd(p, t, Q4);
        p = MathF.FusedMultiplyAdd(p, t, Q3);
        p = MathF.FusedMultiplyAdd(p, t, Q2);
        p = MathF.FusedMultiplyAdd(p, t, Q1);
        p = MathF.FusedMultiplyAdd(p, t, Q0);
        return p;
    }

    public static float Erf(float x)
    {
        float z = MathF.Abs(x);
        float s = x * x;
        if (z < SmallLimit)
        {
            return x * ErfOverZ(s);
        }

        float zc = MathF.Min(z, TailClamp);
        float sc = zc * zc;
        float lo = MathF.FusedMultiplyAdd(zc, zc, -sc);
        float e = MathF.Exp(-sc);
        e = MathF.FusedMultiplyAdd(-e, lo, e);
        return MathF.CopySign(1f - (e * ErfcScaled(zc)), x);
    }
}

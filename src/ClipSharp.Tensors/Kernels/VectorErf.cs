using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// erf in float32, to a few ulp (the erfc tail to a few ulp *relative*, so 1 + erf(x) stays accurate
// where it is tiny, which exact GELU needs for negative inputs).
// |z| < 0.875: erf(z) = z·P(z²), P a degree-7 Chebyshev fit of erf(√s)/√s on s ∈ [0, 0.875²].
// |z| ≥ 0.875: erfc(z) = e^(−z²)·G(t), t = 1/(1 + z/2), G a degree-11 Chebyshev fit of
// erfc(z)·e^(z²) for z ∈ [0.875, 11] (fit error < 1e-11; the rest is float rounding).
// The coefficients were computed for this file at 40-digit precision and rounded to float.
internal static class VectorErf
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

    // erf(z)/z as a polynomial in s = z², for |z| < SmallLimit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ErfOverZ(Vector512<float> s)
    {
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(P7), s, Vector512.Create(P6));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(P0));
        return p;
    }

    // erfc(z)·e^(z²), for z ≥ SmallLimit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ErfcScaled(Vector512<float> z)
    {
        Vector512<float> t = Vector512<float>.One / Vector512.FusedMultiplyAdd(z, Vector512.Create(0.5f), Vector512<float>.One);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(Q11), t, Vector512.Create(Q10));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q9));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q8));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q7));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q6));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q5));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q4));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q3));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q2));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q1));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(Q0));
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        Vector512<float> z = Vector512.Abs(x);
        Vector512<float> s = x * x;
        Vector512<float> small = x * ErfOverZ(s);

        // Past 10 erfc underflows; clamping keeps z² finite so the split below never sees inf − inf.
        Vector512<float> zc = Vector512.Min(z, Vector512.Create(10f));
        Vector512<float> sc = zc * zc;

        // e^(−z²) from the exact split z² = sc + lo, so rounding z² costs nothing at large z.
        Vector512<float> lo = Vector512.FusedMultiplyAdd(zc, zc, -sc);
        Vector512<float> e = VectorExp.Exp(-sc);
        e = Vector512.FusedMultiplyAdd(-e, lo, e);
        Vector512<float> large = Vector512.CopySign(Vector512<float>.One - (e * ErfcScaled(zc)), x);
        return Vector512.ConditionalSelect(Vector512.LessThan(z, Vector512.Create(SmallLimit)), small, large);
    }

    // erf(z)/z as a polynomial in s = z², for |z| < SmallLimit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ErfOverZ(Vector256<float> s)
    {
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(P7), s, Vector256.Create(P6));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(P0));
        return p;
    }

    // erfc(z)·e^(z²), for z ≥ SmallLimit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ErfcScaled(Vector256<float> z)
    {
        Vector256<float> t = Vector256<float>.One / Vector256.FusedMultiplyAdd(z, Vector256.Create(0.5f), Vector256<float>.One);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(Q11), t, Vector256.Create(Q10));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q9));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q8));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q7));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q6));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q5));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q4));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q3));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q2));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q1));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(Q0));
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        Vector256<float> z = Vector256.Abs(x);
        Vector256<float> s = x * x;
        Vector256<float> small = x * ErfOverZ(s);

        // Past 10 erfc underflows; clamping keeps z² finite so the split below never sees inf − inf.
        Vector256<float> zc = Vector256.Min(z, Vector256.Create(10f));
        Vector256<float> sc = zc * zc;

        // e^(−z²) from the exact split z² = sc + lo, so rounding z² costs nothing at large z.
        Vector256<float> lo = Vector256.FusedMultiplyAdd(zc, zc, -sc);
        Vector256<float> e = VectorExp.Exp(-sc);
        e = Vector256.FusedMultiplyAdd(-e, lo, e);
        Vector256<float> large = Vector256.CopySign(Vector256<float>.One - (e * ErfcScaled(zc)), x);
        return Vector256.ConditionalSelect(Vector256.LessThan(z, Vector256.Create(SmallLimit)), small, large);
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

        float zc = MathF.Min(z, 10f);
        float sc = zc * zc;
        float lo = MathF.FusedMultiplyAdd(zc, zc, -sc);
        float e = MathF.Exp(-sc);
        e = MathF.FusedMultiplyAdd(-e, lo, e);
        return MathF.CopySign(1f - (e * ErfcScaled(zc)), x);
    }
}

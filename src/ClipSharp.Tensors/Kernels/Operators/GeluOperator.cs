using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// Exact GELU 0.5·x·(1 + erf(x/√2)). For |x/√2| ≥ 0.875 the factor is 2 − erfc or erfc itself, with
// e^(−x²/2) taken from the exact split x² = hi + lo, so it stays accurate in relative terms for negative x
// where 1 + erf would cancel.
internal readonly struct GeluOperator : IUnaryOperator
{
    private const float InvSqrt2 = 0.707106781186547524f;

    // Beyond |x| = 16 the erfc tail is below float range; clamping keeps x² finite.
    private const float TailClamp = 16f;

    public float Invoke(float x)
    {
        float z = x * InvSqrt2;
        if (MathF.Abs(z) < SimdErf.SmallLimit)
        {
            return 0.5f * x * (1f + (z * SimdErf.ErfOverZ(z * z)));
        }

        float xc = MathF.Min(MathF.Abs(x), TailClamp);
        float hi = xc * xc;
        float lo = MathF.FusedMultiplyAdd(xc, xc, -hi);
        float e = MathF.Exp(-0.5f * hi);
        e = MathF.FusedMultiplyAdd(-0.5f * e, lo, e);
        float erfc = e * SimdErf.ErfcScaled(xc * InvSqrt2);
        return 0.5f * x * (x > 0f ? 2f - erfc : erfc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec z = TWidth.Multiply(x, TWidth.Create(InvSqrt2));
        TVec near = TWidth.Add(TWidth.One, TWidth.Multiply(z, SimdErf.ErfOverZ<TWidth, TVec>(TWidth.Multiply(z, z))));

        TVec xc = TWidth.ClampMax(TWidth.Abs(x), TWidth.Create(TailClamp));
        TVec hi = TWidth.Multiply(xc, xc);
        TVec lo = TWidth.FusedMultiplyAdd(xc, xc, TWidth.Negate(hi));
        TVec e = SimdExp.Exp<TWidth, TVec>(TWidth.Multiply(hi, TWidth.Create(-0.5f)));
        e = TWidth.FusedMultiplyAdd(TWidth.Multiply(e, TWidth.Create(-0.5f)), lo, e);
        TVec erfc = TWidth.Multiply(e, SimdErf.ErfcScaled<TWidth, TVec>(TWidth.Multiply(xc, TWidth.Create(InvSqrt2))));
        TVec far = TWidth.ConditionalSelect(TWidth.GreaterThan(x, TWidth.Zero), TWidth.Subtract(TWidth.Create(2f), erfc), erfc);

        TVec factor = TWidth.ConditionalSelect(TWidth.LessThan(TWidth.Abs(z), TWidth.Create(SimdErf.SmallLimit)), near, far);
        return TWidth.Multiply(TWidth.Multiply(TWidth.Create(0.5f), x), factor);
    }
}

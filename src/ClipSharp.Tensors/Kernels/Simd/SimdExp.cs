using System.Runtime.CompilerServices;

namespace ClipSharp.Tensors.Kernels.Simd;

// e^x in float32 to ~1 ulp over the whole range, subnormal results and ±inf included.
// x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2 so n·ln2Hi is exact); e^r by its Taylor
// series to r⁷/7!, whose truncation error (< 1e-8 relative on that interval) sits below float32
// resolution; 2^n applied as two halves so that neither factor leaves the normal range.
internal static class SimdExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693145751953125f;
    private const float Ln2Lo = 1.42860682030941723e-06f;

    // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits.
    private const float RoundMagic = 12582912f;
    private const int RoundMagicBits = 0x4B400000;

    // e^-105 rounds to +0 and e^88.73 to +inf, so clamping there loses nothing.
    private const float MinArg = -105f;
    private const float MaxArg = 88.73f;

    private const float C2 = 1f / 2f;
    private const float C3 = 1f / 6f;
    private const float C4 = 1f / 24f;
    private const float C5 = 1f / 120f;
    private const float C6 = 1f / 720f;
    private const float C7 = 1f / 5040f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        x = TWidth.Clamp(x, TWidth.Create(MinArg), TWidth.Create(MaxArg));
        TVec t = TWidth.FusedMultiplyAdd(x, TWidth.Create(Log2E), TWidth.Create(RoundMagic));
        TVec n = TWidth.Subtract(t, TWidth.Create(RoundMagic));
        TVec ni = TWidth.SubtractInt32(t, TWidth.CreateInt32(RoundMagicBits));
        TVec r = TWidth.FusedMultiplyAdd(TWidth.Negate(n), TWidth.Create(Ln2Hi), x);
        r = TWidth.FusedMultiplyAdd(TWidth.Negate(n), TWidth.Create(Ln2Lo), r);
        TVec p = TWidth.FusedMultiplyAdd(TWidth.Create(C7), r, TWidth.Create(C6));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(C5));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(C4));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(C3));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(C2));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.One);
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.One);
        TVec n1 = TWidth.ShiftRightArithmeticInt32(ni, 1);
        TVec n2 = TWidth.SubtractInt32(ni, n1);
        TVec s1 = TWidth.ShiftLeftInt32(TWidth.AddInt32(n1, TWidth.CreateInt32(127)), 23);
        TVec s2 = TWidth.ShiftLeftInt32(TWidth.AddInt32(n2, TWidth.CreateInt32(127)), 23);
        return TWidth.Multiply(TWidth.Multiply(p, s1), s2);
    }

    // The scalar tails use the runtime's e^x, as they always have.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF.Exp(x);
}

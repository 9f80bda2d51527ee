using System.Runtime.CompilerServices;

namespace ClipSharp.Tensors.Kernels.Simd;

// Exact half -> float on 32-bit lanes holding a half's bits in their low 16. Normal and subnormal halves: the
// exponent and mantissa shifted into a float's fields, times 2^112 (exact: the result is a normal float).
// Inf/NaN keep an all-ones exponent. Only the sign is set apart, so -0 stays -0.
internal static class SimdHalf
{
    // 2^112: moves a half's exponent (bias 15), placed in a float's exponent field (bias 127), to its value.
    private const float HalfExponentShift = 5.192296858534828e33f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec ToSingle<TWidth, TVec>(TVec h)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec sign = TWidth.ShiftLeftInt32(TWidth.And(h, TWidth.CreateInt32(0x8000)), 16);
        TVec magnitude = TWidth.ShiftLeftInt32(TWidth.And(h, TWidth.CreateInt32(0x7FFF)), 13);
        TVec scaled = TWidth.Multiply(magnitude, TWidth.Create(HalfExponentShift));
        TVec special = TWidth.EqualsInt32(TWidth.And(h, TWidth.CreateInt32(0x7C00)), TWidth.CreateInt32(0x7C00));
        TVec bits = TWidth.ConditionalSelect(special, TWidth.Or(magnitude, TWidth.CreateInt32(0x7F800000)), scaled);
        return TWidth.Or(bits, sign);
    }
}

using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// max x; −inf for an empty row.
internal readonly struct MaxReduction : IRowReduction
{
    public float Seed => float.NegativeInfinity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Accumulate(float accumulator, float x) => MathF.Max(accumulator, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Accumulate<TWidth, TVec>(TVec accumulator, TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.Max(accumulator, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Across<TWidth, TVec>(TVec accumulator)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.MaxAcross(accumulator);
}

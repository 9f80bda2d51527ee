using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// Σ x.
internal readonly struct SumReduction : IRowReduction
{
    public float Seed => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Accumulate(float accumulator, float x) => accumulator + x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Accumulate<TWidth, TVec>(TVec accumulator, TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.Add(accumulator, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Across<TWidth, TVec>(TVec accumulator)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.Sum(accumulator);
}

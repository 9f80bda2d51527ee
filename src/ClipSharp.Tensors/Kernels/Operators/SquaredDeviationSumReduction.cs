using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// Σ (x − mean)², each square fused into the running sum.
internal readonly struct SquaredDeviationSumReduction(float mean) : IRowReduction
{
    public float Seed => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Accumulate(float accumulator, float x)
    {
        float d = x - mean;
        return MathF.FusedMultiplyAdd(d, d, accumulator);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Accumulate<TWidth, TVec>(TVec accumulator, TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec d = TWidth.Subtract(x, TWidth.Create(mean));
        return TWidth.FusedMultiplyAdd(d, d, accumulator);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Across<TWidth, TVec>(TVec accumulator)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.Sum(accumulator);
}

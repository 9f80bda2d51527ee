using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// A fold over a row: every lane of the accumulator starts at Seed and folds in one element per step; the
// lanes are then combined (Across) and the scalar tail folds on from there.
internal interface IRowReduction
{
    float Seed { get; }

    float Accumulate(float accumulator, float x);

    TVec Accumulate<TWidth, TVec>(TVec accumulator, TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct;

    float Across<TWidth, TVec>(TVec accumulator)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct;
}

using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// z = x·a + y, fused.
internal readonly struct MultiplyAddOperator(float a) : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float y) => MathF.FusedMultiplyAdd(x, a, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x, TVec y)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.FusedMultiplyAdd(x, TWidth.Create(a), y);
}

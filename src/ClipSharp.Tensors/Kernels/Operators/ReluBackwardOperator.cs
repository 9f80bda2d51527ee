using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// dx = y > 0 ? dy : 0, from the forward output y.
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float y, float dy) => y > 0f ? dy : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec y, TVec dy)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.And(dy, TWidth.GreaterThan(y, TWidth.Zero));
}

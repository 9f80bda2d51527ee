using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// z = x + y.
internal readonly struct AddOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x, TVec y)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.Add(x, y);
}

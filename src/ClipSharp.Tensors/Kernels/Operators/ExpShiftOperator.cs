using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// y = e^(x − shift): softmax's exponentials with the row maximum taken out.
internal readonly struct ExpShiftOperator(float shift) : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => SimdExp.Exp(x - shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => SimdExp.Exp<TWidth, TVec>(TWidth.Subtract(x, TWidth.Create(shift)));
}

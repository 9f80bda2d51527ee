using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// y = erf(x).
internal readonly struct ErfOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => SimdErf.Erf(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => SimdErf.Erf<TWidth, TVec>(x);
}

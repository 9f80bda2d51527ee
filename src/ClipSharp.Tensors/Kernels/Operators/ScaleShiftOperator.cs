using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// y = x·scale + shift, fused.
internal readonly struct ScaleShiftOperator(float scale, float shift) : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x) => MathF.FusedMultiplyAdd(x, scale, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.FusedMultiplyAdd(x, TWidth.Create(scale), TWidth.Create(shift));
}

using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// y = ((x − mean)·rstd)·weight + bias, the last step fused: layer norm's affine output.
internal readonly struct NormalizeOperator(float mean, float rstd) : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float weight, float bias) => MathF.FusedMultiplyAdd((x - mean) * rstd, weight, bias);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x, TVec weight, TVec bias)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
        => TWidth.FusedMultiplyAdd(TWidth.Multiply(TWidth.Subtract(x, TWidth.Create(mean)), TWidth.Create(rstd)), weight, bias);
}

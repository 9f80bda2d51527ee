using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// Exact GELU y = x·Φ(x), so dy/dx = Φ(x) + x·φ(x): dx = dy·(Φ(x) + x·φ(x)) from the forward input x.
internal readonly struct GeluBackwardOperator : IBinaryOperator
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float dy)
    {
        float cdf = 0.5f * (1f + SimdErf.Erf(x * InvSqrt2));
        float pdf = InvSqrt2Pi * MathF.Exp(-0.5f * x * x);
        return dy * (cdf + (x * pdf));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x, TVec dy)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec half = TWidth.Create(0.5f);
        TVec cdf = TWidth.Multiply(half, TWidth.Add(TWidth.One, SimdErf.Erf<TWidth, TVec>(TWidth.Multiply(x, TWidth.Create(InvSqrt2)))));
        TVec e = SimdExp.Exp<TWidth, TVec>(TWidth.Multiply(TWidth.Multiply(TWidth.Create(-0.5f), x), x));
        TVec pdf = TWidth.Multiply(TWidth.Create(InvSqrt2Pi), e);
        return TWidth.Multiply(dy, TWidth.Add(cdf, TWidth.Multiply(x, pdf)));
    }
}

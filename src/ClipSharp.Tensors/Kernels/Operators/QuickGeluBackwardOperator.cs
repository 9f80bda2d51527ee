using System.Runtime.CompilerServices;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// y = x·σ(1.702x), so dy/dx = σ + 1.702·x·σ·(1 − σ) = σ·(1 + 1.702·x·(1 − σ)); x is the forward input.
internal readonly struct QuickGeluBackwardOperator : IBinaryOperator
{
    private const float Alpha = 1.702f;

    // Past this σ(1.702x) is 0 or 1 in float and the derivative exactly 0 or 1; clamping x there keeps
    // e^(−1.702x) and 1.702x finite.
    private const float Clamp = 100f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float dy)
    {
        float vc = MathF.Min(MathF.Max(x, -Clamp), Clamp);
        float s = 1f / (1f + MathF.Exp(-Alpha * vc));
        return dy * (s * (1f + (Alpha * vc * (1f - s))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Invoke<TWidth, TVec>(TVec x, TVec dy)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec a = TWidth.Create(Alpha);
        TVec vc = TWidth.Clamp(x, TWidth.Create(-Clamp), TWidth.Create(Clamp));
        TVec s = TWidth.Divide(TWidth.One, TWidth.Add(TWidth.One, SimdExp.Exp<TWidth, TVec>(TWidth.Multiply(TWidth.Negate(a), vc))));
        TVec t = TWidth.Multiply(TWidth.Multiply(a, vc), TWidth.Subtract(TWidth.One, s));
        return TWidth.Multiply(dy, TWidth.Multiply(s, TWidth.Add(TWidth.One, t)));
    }
}

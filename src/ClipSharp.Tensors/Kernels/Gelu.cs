using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

public static class Gelu
{
    private const float InvSqrt2 = 0.707106781186547524f;

    // Beyond |x| = 16 the erfc tail is below float range; clamping keeps x² finite.
    private const float TailClamp = 16f;

    // Exact GELU 0.5·x·(1 + erf(x/√2)). For |x/√2| ≥ 0.875 the factor is 2 − erfc or erfc itself,
    // with e^(−x²/2) taken from the exact split x² = hi + lo, so it stays accurate in relative terms
    // for negative x where 1 + erf would cancel. y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        KernelArgs.Length(y.Length, x.Length, nameof(y), "x");
        Forward(x, y, KernelIsas.Best);
    }

    internal static void Forward(ReadOnlySpan<float> x, Span<float> y, KernelIsa isa)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int i = 0;
        if (isa == KernelIsa.Vector512)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Gelu512(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (isa != KernelIsa.Scalar)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Gelu256(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yr, i) = GeluScalar(Unsafe.Add(ref xr, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gelu512(Vector512<float> x)
    {
        Vector512<float> z = x * Vector512.Create(InvSqrt2);
        Vector512<float> near = Vector512<float>.One + (z * VectorErf.ErfOverZ(z * z));

        Vector512<float> xc = Vector512.Min(Vector512.Abs(x), Vector512.Create(TailClamp));
        Vector512<float> hi = xc * xc;
        Vector512<float> lo = Vector512.FusedMultiplyAdd(xc, xc, -hi);
        Vector512<float> e = VectorExp.Exp(hi * Vector512.Create(-0.5f));
        e = Vector512.FusedMultiplyAdd(e * Vector512.Create(-0.5f), lo, e);
        Vector512<float> erfc = e * VectorErf.ErfcScaled(xc * Vector512.Create(InvSqrt2));
        Vector512<float> far = Vector512.ConditionalSelect(
            Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512.Create(2f) - erfc, erfc);

        Vector512<float> factor = Vector512.ConditionalSelect(
            Vector512.LessThan(Vector512.Abs(z), Vector512.Create(VectorErf.SmallLimit)), near, far);
        return Vector512.Create(0.5f) * x * factor;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Gelu256(Vector256<float> x)
    {
        Vector256<float> z = x * Vector256.Create(InvSqrt2);
        Vector256<float> near = Vector256<float>.One + (z * VectorErf.ErfOverZ(z * z));

        Vector256<float> xc = Vector256.Min(Vector256.Abs(x), Vector256.Create(TailClamp));
        Vector256<float> hi = xc * xc;
        Vector256<float> lo = Vector256.FusedMultiplyAdd(xc, xc, -hi);
        Vector256<float> e = VectorExp.Exp(hi * Vector256.Create(-0.5f));
        e = Vector256.FusedMultiplyAdd(e * Vector256.Create(-0.5f), lo, e);
        Vector256<float> erfc = e * VectorErf.ErfcScaled(xc * Vector256.Create(InvSqrt2));
        Vector256<float> far = Vector256.ConditionalSelect(
            Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256.Create(2f) - erfc, erfc);

        Vector256<float> factor = Vector256.ConditionalSelect(
            Vector256.LessThan(Vector256.Abs(z), Vector256.Create(VectorErf.SmallLimit)), near, far);
        return Vector256.Create(0.5f) * x * factor;
    }

    private static float GeluScalar(float x)
    {
        float z = x * InvSqrt2;
        if (MathF.Abs(z) < VectorErf.SmallLimit)
        {
            return 0.5f * x * (1f + (z * VectorErf.ErfOverZ(z * z)));
        }

        float xc = MathF.Min(MathF.Abs(x), TailClamp);
        float hi = xc * xc;
        float lo = MathF.FusedMultiplyAdd(xc, xc, -hi);
        float e = MathF.Exp(-0.5f * hi);
        e = MathF.FusedMultiplyAdd(-0.5f * e, lo, e);
        float erfc = e * VectorErf.ErfcScaled(xc * InvSqrt2);
        return 0.5f * x * (x > 0f ? 2f - erfc : erfc);
    }
}

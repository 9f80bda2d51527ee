using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

public static class QuickGelu
{
    // 1.702 = AlphaHi + AlphaLo; carrying the low part and the rounding of 1.702·x into e^(−1.702x)
    // keeps large |x| accurate, where the exponent's rounding error would otherwise be amplified.
    // (e·(1 − lo), not an FMA, so that e = inf stays inf rather than inf − inf.)
    private const float AlphaHi = 1.702f;
    private const float AlphaLo = (float)(1.702 - (double)AlphaHi);

    // σ(1.702x) is exactly 0 or 1 in float beyond |x| = 100; clamping the exponent's input there
    // keeps 1.702x finite.
    private const float Clamp = 100f;

    // x·σ(1.702x) = x / (1 + e^(−1.702x)). y may alias x.
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
                Vector512<float> v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                Vector512<float> vc = Vector512.Min(Vector512.Max(v, Vector512.Create(-Clamp)), Vector512.Create(Clamp));
                Vector512<float> a = vc * Vector512.Create(AlphaHi);
                Vector512<float> lo = Vector512.FusedMultiplyAdd(vc, Vector512.Create(AlphaHi), -a);
                lo = Vector512.FusedMultiplyAdd(vc, Vector512.Create(AlphaLo), lo);
                Vector512<float> e = VectorExp.Exp(-a);
                e *= Vector512<float>.One - lo;
                (v / (Vector512<float>.One + e)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (isa != KernelIsa.Scalar)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                Vector256<float> vc = Vector256.Min(Vector256.Max(v, Vector256.Create(-Clamp)), Vector256.Create(Clamp));
                Vector256<float> a = vc * Vector256.Create(AlphaHi);
                Vector256<float> lo = Vector256.FusedMultiplyAdd(vc, Vector256.Create(AlphaHi), -a);
                lo = Vector256.FusedMultiplyAdd(vc, Vector256.Create(AlphaLo), lo);
                Vector256<float> e = VectorExp.Exp(-a);
                e *= Vector256<float>.One - lo;
                (v / (Vector256<float>.One + e)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref xr, i);
            float vc = MathF.Min(MathF.Max(v, -Clamp), Clamp);
            float a = vc * AlphaHi;
            float lo = MathF.FusedMultiplyAdd(vc, AlphaHi, -a);
            lo = MathF.FusedMultiplyAdd(vc, AlphaLo, lo);
            float e = MathF.Exp(-a);
            e *= 1f - lo;
            Unsafe.Add(ref yr, i) = v / (1f + e);
        }
    }
}

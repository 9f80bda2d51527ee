using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// e^x in float32 to ~1 ulp over the whole range, subnormal results and ±inf included.
// x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2 so n·ln2Hi is exact); e^r by its Taylor
// series to r⁷/7!, whose truncation error (< 1e-8 relative on that interval) sits below float32
// resolution; 2^n applied as two halves so that neither factor leaves the normal range.
internal static class VectorExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693145751953125f;
    private const float Ln2Lo = 1.42860682030941723e-06f;

    // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits.
    private const float RoundMagic = 12582912f;
    private const int RoundMagicBits = 0x4B400000;

    // e^-105 rounds to +0 and e^88.73 to +inf, so clamping there loses nothing.
    private const float MinArg = -105f;
    private const float MaxArg = 88.73f;

    private const float C2 = 1f / 2f;
    private const float C3 = 1f / 6f;
    private const float C4 = 1f / 24f;
    private const float C5 = 1f / 120f;
    private const float C6 = 1f / 720f;
    private const float C7 = 1f / 5040f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(MinArg)), Vector512.Create(MaxArg));
        Vector512<float> t = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        Vector512<float> n = t - Vector512.Create(RoundMagic);
        Vector512<int> ni = t.AsInt32() - Vector512.Create(RoundMagicBits);
        Vector512<float> r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Lo), r);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(C7), r, Vector512.Create(C6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        Vector512<int> n1 = Vector512.ShiftRightArithmetic(ni, 1);
        Vector512<int> n2 = ni - n1;
        Vector512<float> s1 = Vector512.ShiftLeft(n1 + Vector512.Create(127), 23).AsSingle();
        Vector512<float> s2 = Vector512.ShiftLeft(n2 + Vector512.Create(127), 23).AsSingle();
        return p * s1 * s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(MinArg)), Vector256.Create(MaxArg));
        Vector256<float> t = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        Vector256<float> n = t - Vector256.Create(RoundMagic);
        Vector256<int> ni = t.AsInt32() - Vector256.Create(RoundMagicBits);
        Vector256<float> r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Lo), r);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(C7), r, Vector256.Create(C6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        Vector256<int> n1 = Vector256.ShiftRightArithmetic(ni, 1);
        Vector256<int> n2 = ni - n1;
        Vector256<float> s1 = Vector256.ShiftLeft(n1 + Vector256.Create(127), 23).AsSingle();
        Vector256<float> s2 = Vector256.ShiftLeft(n2 + Vector256.Create(127), 23).AsSingle();
        return p * s1 * s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF.Exp(x);
}

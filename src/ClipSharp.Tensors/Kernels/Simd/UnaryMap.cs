using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// y[i] = op(x[i]) for i < n; y may alias x exactly. Whole vectors of the chosen width (four at a time, then
// one), then from Vector512 whole Vector256 vectors, then the scalar body for the rest: every element goes
// through the vector body unless fewer than a Vector256 (or, at Vector128, a Vector128) remain.
internal static class UnaryMap
{
    public static void Run<TOp>(TOp op, ref float x, ref float y, int n, KernelIsa isa)
        where TOp : struct, IUnaryOperator
    {
        int i = 0;
        switch (isa)
        {
            case KernelIsa.Vector512:
                i = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, ref y, n, i);
                goto case KernelIsa.Vector256;
            case KernelIsa.Vector256:
                i = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, ref y, n, i);
                break;
            case KernelIsa.Vector128:
                i = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, ref y, n, i);
                break;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) = op.Invoke(Unsafe.Add(ref x, i));
        }
    }

    private static int Vectors<TOp, TWidth, TVec>(TOp op, ref float x, ref float y, int n, int i)
        where TOp : struct, IUnaryOperator
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int w = TWidth.Count;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i)), ref y, (nuint)i);
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)(i + w))), ref y, (nuint)(i + w));
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)(i + (2 * w)))), ref y, (nuint)(i + (2 * w)));
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)(i + (3 * w)))), ref y, (nuint)(i + (3 * w)));
        }

        for (; i <= n - w; i += w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i)), ref y, (nuint)i);
        }

        return i;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// z[i] = op(x[i], y[i]) for i < n; z may alias x or y exactly. The widths step down as in UnaryMap.
internal static class BinaryMap
{
    public static void Run<TOp>(TOp op, ref float x, ref float y, ref float z, int n, KernelIsa isa)
        where TOp : struct, IBinaryOperator
    {
        int i = 0;
        switch (isa)
        {
            case KernelIsa.Vector512:
                i = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, ref y, ref z, n, i);
                goto case KernelIsa.Vector256;
            case KernelIsa.Vector256:
                i = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, ref y, ref z, n, i);
                break;
            case KernelIsa.Vector128:
                i = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, ref y, ref z, n, i);
                break;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref z, i) = op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
        }
    }

    private static int Vectors<TOp, TWidth, TVec>(TOp op, ref float x, ref float y, ref float z, int n, int i)
        where TOp : struct, IBinaryOperator
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int w = TWidth.Count;
        for (; i <= n - (2 * w); i += 2 * w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i), TWidth.Load(ref y, (nuint)i)), ref z, (nuint)i);
            nuint j = (nuint)(i + w);
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, j), TWidth.Load(ref y, j)), ref z, j);
        }

        for (; i <= n - w; i += w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i), TWidth.Load(ref y, (nuint)i)), ref z, (nuint)i);
        }

        return i;
    }
}

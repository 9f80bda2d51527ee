using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// w[i] = op(x[i], y[i], z[i]) for i < n; w may alias any input exactly. The widths step down as in UnaryMap.
internal static class TernaryMap
{
    public static void Run<TOp>(TOp op, ref float x, ref float y, ref float z, ref float w, int n, KernelIsa isa)
        where TOp : struct, ITernaryOperator
    {
        int i = 0;
        switch (isa)
        {
            case KernelIsa.Vector512:
                i = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, ref y, ref z, ref w, n, i);
                goto case KernelIsa.Vector256;
            case KernelIsa.Vector256:
                i = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, ref y, ref z, ref w, n, i);
                break;
            case KernelIsa.Vector128:
                i = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, ref y, ref z, ref w, n, i);
                break;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref w, i) = op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i), Unsafe.Add(ref z, i));
        }
    }

    private static int Vectors<TOp, TWidth, TVec>(TOp op, ref float x, ref float y, ref float z, ref float w, int n, int i)
        where TOp : struct, ITernaryOperator
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int c = TWidth.Count;
        for (; i <= n - c; i += c)
        {
            nuint j = (nuint)i;
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, j), TWidth.Load(ref y, j), TWidth.Load(ref z, j)), ref w, j);
        }

        return i;
    }
}

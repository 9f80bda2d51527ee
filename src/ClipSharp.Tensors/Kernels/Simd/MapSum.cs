using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// y[i] = op(x[i]) for i < n, returning Σ y[i]; y may alias x exactly. The width is chosen as in RowReduce,
// and the sum is one accumulator vector, its lanes added, then the scalar tail.
internal static class MapSum
{
    public static float Run<TOp>(TOp op, ref float x, ref float y, int n, KernelIsa isa)
        where TOp : struct, IUnaryOperator
    {
        int i = 0;
        float sum = 0f;
        if (isa == KernelIsa.Vector512 && n >= Simd512.Count)
        {
            sum = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, ref y, n, ref i);
        }
        else if ((isa is KernelIsa.Vector512 or KernelIsa.Vector256) && n >= Simd256.Count)
        {
            sum = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, ref y, n, ref i);
        }
        else if (isa == KernelIsa.Vector128 && n >= Simd128.Count)
        {
            sum = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, ref y, n, ref i);
        }

        for (; i < n; i++)
        {
            float e = op.Invoke(Unsafe.Add(ref x, i));
            Unsafe.Add(ref y, i) = e;
            sum += e;
        }

        return sum;
    }

    private static float Vectors<TOp, TWidth, TVec>(TOp op, ref float x, ref float y, int n, ref int i)
        where TOp : struct, IUnaryOperator
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec acc = TWidth.Zero;
        for (; i <= n - TWidth.Count; i += TWidth.Count)
        {
            TVec e = op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i));
            TWidth.Store(e, ref y, (nuint)i);
            acc = TWidth.Add(acc, e);
        }

        return TWidth.Sum(acc);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// op folded over x[0 .. n): one accumulator vector of the chosen width, its lanes combined, then the scalar
// tail. Vector512 falls back to Vector256 for rows shorter than one of its vectors, and a row shorter than
// the vector is folded in scalar. The width depends on isa and n alone, so a row's result never depends on
// what surrounds it.
internal static class RowReduce
{
    public static float Run<TOp>(TOp op, ref float x, int n, KernelIsa isa)
        where TOp : struct, IRowReduction
    {
        int i = 0;
        float result = op.Seed;
        if (isa == KernelIsa.Vector512 && n >= Simd512.Count)
        {
            result = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, n, ref i);
        }
        else if ((isa is KernelIsa.Vector512 or KernelIsa.Vector256) && n >= Simd256.Count)
        {
            result = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, n, ref i);
        }
        else if (isa == KernelIsa.Vector128 && n >= Simd128.Count)
        {
            result = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, n, ref i);
        }

        for (; i < n; i++)
        {
            result = op.Accumulate(result, Unsafe.Add(ref x, i));
        }

        return result;
    }

    private static float Vectors<TOp, TWidth, TVec>(TOp op, ref float x, int n, ref int i)
        where TOp : struct, IRowReduction
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        TVec acc = TWidth.Create(op.Seed);
        for (; i <= n - TWidth.Count; i += TWidth.Count)
        {
            acc = op.Accumulate<TWidth, TVec>(acc, TWidth.Load(ref x, (nuint)i));
        }

        return op.Across<TWidth, TVec>(acc);
    }
}

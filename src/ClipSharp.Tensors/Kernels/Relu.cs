using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

public static class Relu
{
    // y may alias x. NaN maps to 0, as x > 0 ? x : 0 does.
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
                (v & Vector512.GreaterThan(v, Vector512<float>.Zero)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (isa != KernelIsa.Scalar)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                (v & Vector256.GreaterThan(v, Vector256<float>.Zero)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref xr, i);
            Unsafe.Add(ref yr, i) = v > 0f ? v : 0f;
        }
    }
}

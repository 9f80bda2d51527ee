using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

// Contiguous-row primitives shared by the row kernels and attention. Callers have validated
// lengths, so these index through refs without bounds checks; every one has a Vector512, a
// Vector256 and a scalar path, and each vector path finishes its row with a scalar tail.
internal static class VectorOps
{
    public static float Max(ref float x, int n, KernelIsa isa)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (isa == KernelIsa.Vector512 && n >= Vector512<float>.Count)
        {
            Vector512<float> acc = Vector512.Create(float.NegativeInfinity);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc = Vector512.Max(acc, Vector512.LoadUnsafe(ref x, (nuint)i));
            }

            max = HorizontalMax(acc.GetLower(), acc.GetUpper());
        }
        else if (isa != KernelIsa.Scalar && n >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc = Vector256.Max(acc, Vector256.LoadUnsafe(ref x, (nuint)i));
            }

            max = HorizontalMax(acc, acc);
        }

        for (; i < n; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref x, i));
        }

        return max;
    }

    public static float Sum(ref float x, int n, KernelIsa isa)
    {
        int i = 0;
        float sum = 0f;
        if (isa == KernelIsa.Vector512 && n >= Vector512<float>.Count)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc += Vector512.LoadUnsafe(ref x, (nuint)i);
            }

            sum = Vector512.Sum(acc);
        }
        else if (isa != KernelIsa.Scalar && n >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc += Vector256.LoadUnsafe(ref x, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref x, i);
        }

        return sum;
    }

    // Σ (x − mean) and Σ (x − mean)², for the corrected two-pass variance: the first sum is the
    // rounding error left in mean, which the caller folds back in.
    public static (float Sum, float SumOfSquares) Deviations(ref float x, int n, float mean, KernelIsa isa)
    {
        int i = 0;
        float sum = 0f;
        float squares = 0f;
        if (isa == KernelIsa.Vector512 && n >= Vector512<float>.Count)
        {
            Vector512<float> m = Vector512.Create(mean);
            Vector512<float> acc = Vector512<float>.Zero;
            Vector512<float> acc2 = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> d = Vector512.LoadUnsafe(ref x, (nuint)i) - m;
                acc += d;
                acc2 = Vector512.FusedMultiplyAdd(d, d, acc2);
            }

            sum = Vector512.Sum(acc);
            squares = Vector512.Sum(acc2);
        }
        else if (isa != KernelIsa.Scalar && n >= Vector256<float>.Count)
        {
            Vector256<float> m = Vector256.Create(mean);
            Vector256<float> acc = Vector256<float>.Zero;
            Vector256<float> acc2 = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> d = Vector256.LoadUnsafe(ref x, (nuint)i) - m;
                acc += d;
                acc2 = Vector256.FusedMultiplyAdd(d, d, acc2);
            }

            sum = Vector256.Sum(acc);
            squares = Vector256.Sum(acc2);
        }

        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref x, i) - mean;
            sum += d;
            squares = MathF.FusedMultiplyAdd(d, d, squares);
        }

        return (sum, squares);
    }

    // y = e^(x − shift); returns Σ y. y may alias x.
    public static float ExpShiftSum(ref float x, ref float y, int n, float shift, KernelIsa isa)
    {
        int i = 0;
        float sum = 0f;
        if (isa == KernelIsa.Vector512 && n >= Vector512<float>.Count)
        {
            Vector512<float> s = Vector512.Create(shift);
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> e = VectorExp.Exp(Vector512.LoadUnsafe(ref x, (nuint)i) - s);
                e.StoreUnsafe(ref y, (nuint)i);
                acc += e;
            }

            sum = Vector512.Sum(acc);
        }
        else if (isa != KernelIsa.Scalar && n >= Vector256<float>.Count)
        {
            Vector256<float> s = Vector256.Create(shift);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> e = VectorExp.Exp(Vector256.LoadUnsafe(ref x, (nuint)i) - s);
                e.StoreUnsafe(ref y, (nuint)i);
                acc += e;
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            float e = VectorExp.Exp(Unsafe.Add(ref x, i) - shift);
            Unsafe.Add(ref y, i) = e;
            sum += e;
        }

        return sum;
    }

    // y *= a.
    public static void Scale(ref float y, int n, float a, KernelIsa isa)
    {
        int i = 0;
        if (isa == KernelIsa.Vector512)
        {
            Vector512<float> va = Vector512.Create(a);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512.LoadUnsafe(ref y, (nuint)i) * va).StoreUnsafe(ref y, (nuint)i);
            }
        }

        if (isa != KernelIsa.Scalar)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref y, (nuint)i) * va).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) *= a;
        }
    }

    // y += a·x.
    public static void MultiplyAdd(ref float y, ref float x, int n, float a, KernelIsa isa)
    {
        int i = 0;
        if (isa == KernelIsa.Vector512)
        {
            Vector512<float> va = Vector512.Create(a);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), va, Vector512.LoadUnsafe(ref y, (nuint)i))
                    .StoreUnsafe(ref y, (nuint)i);
            }
        }

        if (isa != KernelIsa.Scalar)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), va, Vector256.LoadUnsafe(ref y, (nuint)i))
                    .StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, i), a, Unsafe.Add(ref y, i));
        }
    }

    private static float HorizontalMax(Vector256<float> a, Vector256<float> b)
    {
        Vector256<float> m = Vector256.Max(a, b);
        Vector128<float> h = Vector128.Max(m.GetLower(), m.GetUpper());
        float r = h.ToScalar();
        for (int j = 1; j < Vector128<float>.Count; j++)
        {
            r = MathF.Max(r, h.GetElement(j));
        }

        return r;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Search.Quantized;

/// <summary>Σ xᵢ·yᵢ with float x and int8 y: the int8 lanes are widened to float in registers, never in memory.</summary>
internal static class Int8Dot
{
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<sbyte> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"lengths differ: {x.Length} floats and {y.Length} int8 values.");
        }

        int i = 0;
        float sum = 0f;
        if (Avx512F.IsSupported && x.Length >= 16)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref sbyte yr = ref MemoryMarshal.GetReference(y);
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = Vector512<float>.Zero;
            for (; i + 32 <= x.Length; i += 32)
            {
                acc0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), Widen(ref yr, i), acc0);
                acc1 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)(i + 16)), Widen(ref yr, i + 16), acc1);
            }

            for (; i + 16 <= x.Length; i += 16)
            {
                acc0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), Widen(ref yr, i), acc0);
            }

            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Avx2.IsSupported && Fma.IsSupported && x.Length >= 8)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref sbyte yr = ref MemoryMarshal.GetReference(y);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i + 8 <= x.Length; i += 8)
            {
                Vector128<sbyte> bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref yr, i)))).AsSByte();
                Vector256<float> widened = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes));
                acc = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i), widened, acc);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(ref sbyte y, int i)
        => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref y, (nuint)i)));
}

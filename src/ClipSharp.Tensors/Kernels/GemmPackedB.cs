using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// A pinned <see cref="PackedWeight"/> as the driver reads it, and the widening of its blocks into the float32
/// packed-B layout the micro-kernels take (a float32 weight already is that layout: the driver reads it in place). A block of a panel is contiguous in both layouts, so widening is a
/// straight streaming conversion: f16 exactly, int8 as (float)q · scale[column], the same rounding as a weight
/// dequantised up front; the product is therefore bit for bit that of SGEMM on the dequantised weight.
/// </summary>
internal readonly unsafe struct GemmPackedB
{
    public readonly byte* Data;
    public readonly float* Scales;
    public readonly WeightPrecision Precision;
    public readonly int K;
    public readonly int Nr;

    public GemmPackedB(byte* data, float* scales, WeightPrecision precision, int k, int nr)
    {
        Data = data;
        Scales = scales;
        Precision = precision;
        K = k;
        Nr = nr;
    }

    public bool IsSet => Data != null;

    /// <summary>Float32 panels: the kernel reads them where they are, with no copy.</summary>
    public bool IsPrepacked => Precision == WeightPrecision.Float32;

    // Depth row pc of panel jp of a float32 weight: the [kc, nr] block from there on is contiguous.
    public float* Panel(int jp, int pc) => (float*)Data + ((((long)jp * K) + pc) * Nr);

    // Panels [panelStart, panelEnd), depth rows [pc, pc + kc) -> dst: the same panels, each [kc, nr], float32.
    public void Unpack(int panelStart, int panelEnd, int pc, int kc, float* dst)
    {
        int nr = Nr;
        for (int jp = panelStart; jp < panelEnd; jp++)
        {
            long first = (((long)jp * K) + pc) * nr;
            float* d = dst + ((nint)(jp - panelStart) * kc * nr);
            if (Precision == WeightPrecision.Float32)
            {
                Buffer.MemoryCopy((float*)Data + first, d, (long)kc * nr * sizeof(float), (long)kc * nr * sizeof(float));
            }
            else if (Precision == WeightPrecision.Float16)
            {
                WidenHalves((ushort*)Data + first, d, kc, nr);
            }
            else
            {
                WidenInt8((sbyte*)Data + first, Scales + ((nint)jp * nr), d, kc, nr);
            }
        }
    }

    // src: [kc, nr] halves -> dst: [kc, nr] floats. The vector width follows nr (the kernel's tile width: 64, 16 or
    // 12; the scalar kernel's 4 stays scalar). A 128-bit block may end mid k step (kc odd): the scalar tail finishes.
    private static void WidenHalves(ushort* src, float* dst, int kc, int nr)
    {
        long count = (long)kc * nr;
        long i = 0;
        if (nr % 32 == 0 && Vector512.IsHardwareAccelerated)
        {
            for (; i < count; i += 32)
            {
                Vector512<ushort> h = Vector512.Load(src + i);
                SimdHalf.ToSingle<Simd512, Vector512<float>>(Vector512.WidenLower(h).AsSingle()).Store(dst + i);
                SimdHalf.ToSingle<Simd512, Vector512<float>>(Vector512.WidenUpper(h).AsSingle()).Store(dst + i + 16);
            }
        }
        else if (nr % 16 == 0 && Vector256.IsHardwareAccelerated)
        {
            for (; i < count; i += 16)
            {
                Vector256<ushort> h = Vector256.Load(src + i);
                SimdHalf.ToSingle<Simd256, Vector256<float>>(Vector256.WidenLower(h).AsSingle()).Store(dst + i);
                SimdHalf.ToSingle<Simd256, Vector256<float>>(Vector256.WidenUpper(h).AsSingle()).Store(dst + i + 8);
            }
        }
        else if (nr == GemmMicroKernelVector128.Nr && Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector128<ushort> h = Vector128.Load(src + i);
                SimdHalf.ToSingle<Simd128, Vector128<float>>(Vector128.WidenLower(h).AsSingle()).Store(dst + i);
                SimdHalf.ToSingle<Simd128, Vector128<float>>(Vector128.WidenUpper(h).AsSingle()).Store(dst + i + 4);
            }
        }

        for (; i < count; i++)
        {
            dst[i] = (float)BitConverter.UInt16BitsToHalf(src[i]);
        }
    }

    // src: [kc, nr] int8 -> dst: [kc, nr] = (float)q · scales[column].
    private static void WidenInt8(sbyte* src, float* scales, float* dst, int kc, int nr)
    {
        if (nr == 64 && Avx512F.IsSupported)
        {
            Vector512<float> s0 = Vector512.Load(scales);
            Vector512<float> s1 = Vector512.Load(scales + 16);
            Vector512<float> s2 = Vector512.Load(scales + 32);
            Vector512<float> s3 = Vector512.Load(scales + 48);
            for (int p = 0; p < kc; p++)
            {
                sbyte* s = src + (p * 64);
                float* d = dst + (p * 64);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(s))) * s0).Store(d);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(s + 16))) * s1).Store(d + 16);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(s + 32))) * s2).Store(d + 32);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(s + 48))) * s3).Store(d + 48);
            }

            return;
        }

        if (nr == 16 && Avx2.IsSupported)
        {
            Vector256<float> s0 = Vector256.Load(scales);
            Vector256<float> s1 = Vector256.Load(scales + 8);
            for (int p = 0; p < kc; p++)
            {
                sbyte* s = src + (p * 16);
                float* d = dst + (p * 16);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(s)) * s0).Store(d);
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(s + 8)) * s1).Store(d + 8);
            }

            return;
        }

        if (nr == GemmMicroKernelVector128.Nr && Vector128.IsHardwareAccelerated)
        {
            WidenInt8Twelve(src, scales, dst, kc);
            return;
        }

        for (int p = 0; p < kc; p++)
        {
            sbyte* s = src + (p * nr);
            float* d = dst + (p * nr);
            for (int j = 0; j < nr; j++)
            {
                d[j] = s[j] * scales[j];
            }
        }
    }

    // The 12-wide panels of the 128-bit kernel, read as one stream: four k steps are 48 bytes, three 16-byte loads
    // whose twelve float vectors take the panel's three scale vectors in turn (a 16-byte load per k step would
    // read past the block's end). Widening sbyte -> short -> int -> float is exact, so each value is (float)q ·
    // scale as in the scalar loop; the last kc mod 4 steps are that loop.
    private static void WidenInt8Twelve(sbyte* src, float* scales, float* dst, int kc)
    {
        Vector128<float> s0 = Vector128.Load(scales);
        Vector128<float> s1 = Vector128.Load(scales + 4);
        Vector128<float> s2 = Vector128.Load(scales + 8);
        long count = (long)kc * 12;
        long i = 0;
        for (; i + 48 <= count; i += 48)
        {
            WidenSixteen(src + i, dst + i, s0, s1, s2, s0);
            WidenSixteen(src + i + 16, dst + i + 16, s1, s2, s0, s1);
            WidenSixteen(src + i + 32, dst + i + 32, s2, s0, s1, s2);
        }

        for (; i < count; i++)
        {
            dst[i] = src[i] * scales[i % 12];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WidenSixteen(
        sbyte* src, float* dst, Vector128<float> scale0, Vector128<float> scale1, Vector128<float> scale2, Vector128<float> scale3)
    {
        Vector128<sbyte> q = Vector128.Load(src);
        Vector128<short> low = Vector128.WidenLower(q);
        Vector128<short> high = Vector128.WidenUpper(q);
        (Vector128.ConvertToSingle(Vector128.WidenLower(low)) * scale0).Store(dst);
        (Vector128.ConvertToSingle(Vector128.WidenUpper(low)) * scale1).Store(dst + 4);
        (Vector128.ConvertToSingle(Vector128.WidenLower(high)) * scale2).Store(dst + 8);
        (Vector128.ConvertToSingle(Vector128.WidenUpper(high)) * scale3).Store(dst + 12);
    }
}

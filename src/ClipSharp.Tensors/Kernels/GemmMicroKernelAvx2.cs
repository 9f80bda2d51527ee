using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>6×16 AVX2 + FMA tile: 12 ymm accumulators, 2 B loads and 6 broadcasts per k step (16 ymm registers).</summary>
internal readonly unsafe struct GemmMicroKernelAvx2 : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 16;

    // KC as the AVX-512 kernel. NC puts the KC × NC block of packed B in half the core's L2, between 128 and 512
    // columns: on a Zen 4 (1 MiB L2) in the Vector256 stand-in, 256 columns instead of 512 (the whole L2) raised
    // 2048³ from 96 to 104–107 GFLOPS on one thread. NC only splits columns, so the bits do not depend on it.
    public static int Kc => 512;

    public static int Nc { get; } = BlockColumns(CpuCaches.L2Bytes);

    internal static int BlockColumns(long l2Bytes)
        => (int)Math.Clamp(l2Bytes / 2 / (Kc * sizeof(float)) / 16 * 16, 128, 512);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
        => GemmRowStrip<GemmMicroKernelAvx2, Vector256<float>, Simd256>.Run(rows, kc, a, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        for (int r = 0; r < 6; r++)
        {
            Sse.Prefetch0(c + (r * ldc));
        }

        Vector256<float> c00 = default; Vector256<float> c01 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default;

        int p = 0;
        for (; p + 1 < kc; p += 2)
        {
            {
                Vector256<float> b0 = Vector256.Load(b + 0);
                Vector256<float> b1 = Vector256.Load(b + 8);
                Vector256<float> a0 = Vector256.Create(a[0]);
                c00 = Fma.MultiplyAdd(a0, b0, c00);
                c01 = Fma.MultiplyAdd(a0, b1, c01);
                Vector256<float> a1 = Vector256.Create(a[1]);
                c10 = Fma.MultiplyAdd(a1, b0, c10);
                c11 = Fma.MultiplyAdd(a1, b1, c11);
                Vector256<float> a2 = Vector256.Create(a[2]);
                c20 = Fma.MultiplyAdd(a2, b0, c20);
                c21 = Fma.MultiplyAdd(a2, b1, c21);
                Vector256<float> a3 = Vector256.Create(a[3]);
                c30 = Fma.MultiplyAdd(a3, b0, c30);
                c31 = Fma.MultiplyAdd(a3, b1, c31);
                Vector256<float> a4 = Vector256.Create(a[4]);
                c40 = Fma.MultiplyAdd(a4, b0, c40);
                c41 = Fma.MultiplyAdd(a4, b1, c41);
                Vector256<float> a5 = Vector256.Create(a[5]);
                c50 = Fma.MultiplyAdd(a5, b0, c50);
                c51 = Fma.MultiplyAdd(a5, b1, c51);
            }

            {
                Vector256<float> b0 = Vector256.Load(b + 16);
                Vector256<float> b1 = Vector256.Load(b + 24);
                Vector256<float> a0 = Vector256.Create(a[6]);
                c00 = Fma.MultiplyAdd(a0, b0, c00);
                c01 = Fma.MultiplyAdd(a0, b1, c01);
                Vector256<float> a1 = Vector256.Create(a[7]);
                c10 = Fma.MultiplyAdd(a1, b0, c10);
                c11 = Fma.MultiplyAdd(a1, b1, c11);
                Vector256<float> a2 = Vector256.Create(a[8]);
                c20 = Fma.MultiplyAdd(a2, b0, c20);
                c21 = Fma.MultiplyAdd(a2, b1, c21);
                Vector256<float> a3 = Vector256.Create(a[9]);
                c30 = Fma.MultiplyAdd(a3, b0, c30);
                c31 = Fma.MultiplyAdd(a3, b1, c31);
                Vector256<float> a4 = Vector256.Create(a[10]);
                c40 = Fma.MultiplyAdd(a4, b0, c40);
                c41 = Fma.MultiplyAdd(a4, b1, c41);
                Vector256<float> a5 = Vector256.Create(a[11]);
                c50 = Fma.MultiplyAdd(a5, b0, c50);
                c51 = Fma.MultiplyAdd(a5, b1, c51);
            }

            a += 12;
            b += 32;
        }

        if (p < kc)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (va * c00).Store(c + (0 * ldc) + 0);
            (va * c01).Store(c + (0 * ldc) + 8);
            (va * c10).Store(c + (1 * ldc) + 0);
            (va * c11).Store(c + (1 * ldc) + 8);
            (va * c20).Store(c + (2 * ldc) + 0);
            (va * c21).Store(c + (2 * ldc) + 8);
            (va * c30).Store(c + (3 * ldc) + 0);
            (va * c31).Store(c + (3 * ldc) + 8);
            (va * c40).Store(c + (4 * ldc) + 0);
            (va * c41).Store(c + (4 * ldc) + 8);
            (va * c50).Store(c + (5 * ldc) + 0);
            (va * c51).Store(c + (5 * ldc) + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Blend(c + (0 * ldc) + 0, c00, va, vb);
            Blend(c + (0 * ldc) + 8, c01, va, vb);
            Blend(c + (1 * ldc) + 0, c10, va, vb);
            Blend(c + (1 * ldc) + 8, c11, va, vb);
            Blend(c + (2 * ldc) + 0, c20, va, vb);
            Blend(c + (2 * ldc) + 8, c21, va, vb);
            Blend(c + (3 * ldc) + 0, c30, va, vb);
            Blend(c + (3 * ldc) + 8, c31, va, vb);
            Blend(c + (4 * ldc) + 0, c40, va, vb);
            Blend(c + (4 * ldc) + 8, c41, va, vb);
            Blend(c + (5 * ldc) + 0, c50, va, vb);
            Blend(c + (5 * ldc) + 8, c51, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blend(float* dst, Vector256<float> acc, Vector256<float> alpha, Vector256<float> beta)
        => Fma.MultiplyAdd(alpha, acc, beta * Vector256.Load(dst)).Store(dst);
}

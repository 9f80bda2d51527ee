using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// 6×64 AVX-512 tile: 24 zmm accumulators, 4 B loads and 6 broadcasts per k step. The wide-N shape keeps the
/// broadcast count low relative to FMAs, which is what bounds narrower tiles on two-FMA-port cores.
/// </summary>
internal readonly unsafe struct GemmMicroKernelAvx512 : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 64;

    // A KC × NC block of packed B is 1 MiB: it stays in a 2 MiB L2 while every MR-row panel of A passes over it.
    // KC = 512 rather than 256 halves the passes over C; larger KC or NC measured no better on Zen 5.
    public static int Kc => 512;

    public static int Nc => 512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
        => GemmRowStrip<GemmMicroKernelAvx512, Vector512<float>, Simd512>.Run(rows, kc, a, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        // The C tile is touched only after the k loop; fetching it now hides that latency behind the FMAs.
        for (int r = 0; r < 6; r++)
        {
            float* row = c + (r * ldc);
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + 16);
            Sse.Prefetch0(row + 32);
            Sse.Prefetch0(row + 48);
        }

        Vector512<float> c00 = default; Vector512<float> c01 = default; Vector512<float> c02 = default; Vector512<float> c03 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default; Vector512<float> c12 = default; Vector512<float> c13 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default; Vector512<float> c22 = default; Vector512<float> c23 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default; Vector512<float> c32 = default; Vector512<float> c33 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default; Vector512<float> c42 = default; Vector512<float> c43 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default; Vector512<float> c52 = default; Vector512<float> c53 = default;

        int p = 0;
        for (; p + 1 < kc; p += 2)
        {
            {
                Vector512<float> b0 = Vector512.Load(b + 0);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> b2 = Vector512.Load(b + 32);
                Vector512<float> b3 = Vector512.Load(b + 48);
                Vector512<float> a0 = Vector512.Create(a[0]);
                c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
                c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
                c02 = Avx512F.FusedMultiplyAdd(a0, b2, c02);
                c03 = Avx512F.FusedMultiplyAdd(a0, b3, c03);
                Vector512<float> a1 = Vector512.Create(a[1]);
                c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
                c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
                c12 = Avx512F.FusedMultiplyAdd(a1, b2, c12);
                c13 = Avx512F.FusedMultiplyAdd(a1, b3, c13);
                Vector512<float> a2 = Vector512.Create(a[2]);
                c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
                c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
                c22 = Avx512F.FusedMultiplyAdd(a2, b2, c22);
                c23 = Avx512F.FusedMultiplyAdd(a2, b3, c23);
                Vector512<float> a3 = Vector512.Create(a[3]);
                c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
                c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
                c32 = Avx512F.FusedMultiplyAdd(a3, b2, c32);
                c33 = Avx512F.FusedMultiplyAdd(a3, b3, c33);
                Vector512<float> a4 = Vector512.Create(a[4]);
                c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
                c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
                c42 = Avx512F.FusedMultiplyAdd(a4, b2, c42);
                c43 = Avx512F.FusedMultiplyAdd(a4, b3, c43);
                Vector512<float> a5 = Vector512.Create(a[5]);
                c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
                c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
                c52 = Avx512F.FusedMultiplyAdd(a5, b2, c52);
                c53 = Avx512F.FusedMultiplyAdd(a5, b3, c53);
            }

            {
                Vector512<float> b0 = Vector512.Load(b + 64);
                Vector512<float> b1 = Vector512.Load(b + 80);
                Vector512<float> b2 = Vector512.Load(b + 96);
                Vector512<float> b3 = Vector512.Load(b + 112);
                Vector512<float> a0 = Vector512.Create(a[6]);
                c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
                c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
                c02 = Avx512F.FusedMultiplyAdd(a0, b2, c02);
                c03 = Avx512F.FusedMultiplyAdd(a0, b3, c03);
                Vector512<float> a1 = Vector512.Create(a[7]);
                c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
                c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
                c12 = Avx512F.FusedMultiplyAdd(a1, b2, c12);
                c13 = Avx512F.FusedMultiplyAdd(a1, b3, c13);
                Vector512<float> a2 = Vector512.Create(a[8]);
                c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
                c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
                c22 = Avx512F.FusedMultiplyAdd(a2, b2, c22);
                c23 = Avx512F.FusedMultiplyAdd(a2, b3, c23);
                Vector512<float> a3 = Vector512.Create(a[9]);
                c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
                c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
                c32 = Avx512F.FusedMultiplyAdd(a3, b2, c32);
                c33 = Avx512F.FusedMultiplyAdd(a3, b3, c33);
                Vector512<float> a4 = Vector512.Create(a[10]);
                c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
                c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
                c42 = Avx512F.FusedMultiplyAdd(a4, b2, c42);
                c43 = Avx512F.FusedMultiplyAdd(a4, b3, c43);
                Vector512<float> a5 = Vector512.Create(a[11]);
                c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
                c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
                c52 = Avx512F.FusedMultiplyAdd(a5, b2, c52);
                c53 = Avx512F.FusedMultiplyAdd(a5, b3, c53);
            }

            a += 12;
            b += 128;
        }

        if (p < kc)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(a0, b2, c02);
            c03 = Avx512F.FusedMultiplyAdd(a0, b3, c03);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(a1, b2, c12);
            c13 = Avx512F.FusedMultiplyAdd(a1, b3, c13);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(a2, b2, c22);
            c23 = Avx512F.FusedMultiplyAdd(a2, b3, c23);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(a3, b2, c32);
            c33 = Avx512F.FusedMultiplyAdd(a3, b3, c33);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            c42 = Avx512F.FusedMultiplyAdd(a4, b2, c42);
            c43 = Avx512F.FusedMultiplyAdd(a4, b3, c43);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            c52 = Avx512F.FusedMultiplyAdd(a5, b2, c52);
            c53 = Avx512F.FusedMultiplyAdd(a5, b3, c53);
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (va * c00).Store(c + (0 * ldc) + 0);
            (va * c01).Store(c + (0 * ldc) + 16);
            (va * c02).Store(c + (0 * ldc) + 32);
            (va * c03).Store(c + (0 * ldc) + 48);
            (va * c10).Store(c + (1 * ldc) + 0);
            (va * c11).Store(c + (1 * ldc) + 16);
            (va * c12).Store(c + (1 * ldc) + 32);
            (va * c13).Store(c + (1 * ldc) + 48);
            (va * c20).Store(c + (2 * ldc) + 0);
            (va * c21).Store(c + (2 * ldc) + 16);
            (va * c22).Store(c + (2 * ldc) + 32);
            (va * c23).Store(c + (2 * ldc) + 48);
            (va * c30).Store(c + (3 * ldc) + 0);
            (va * c31).Store(c + (3 * ldc) + 16);
            (va * c32).Store(c + (3 * ldc) + 32);
            (va * c33).Store(c + (3 * ldc) + 48);
            (va * c40).Store(c + (4 * ldc) + 0);
            (va * c41).Store(c + (4 * ldc) + 16);
            (va * c42).Store(c + (4 * ldc) + 32);
            (va * c43).Store(c + (4 * ldc) + 48);
            (va * c50).Store(c + (5 * ldc) + 0);
            (va * c51).Store(c + (5 * ldc) + 16);
            (va * c52).Store(c + (5 * ldc) + 32);
            (va * c53).Store(c + (5 * ldc) + 48);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Blend(c + (0 * ldc) + 0, c00, va, vb);
            Blend(c + (0 * ldc) + 16, c01, va, vb);
            Blend(c + (0 * ldc) + 32, c02, va, vb);
            Blend(c + (0 * ldc) + 48, c03, va, vb);
            Blend(c + (1 * ldc) + 0, c10, va, vb);
            Blend(c + (1 * ldc) + 16, c11, va, vb);
            Blend(c + (1 * ldc) + 32, c12, va, vb);
            Blend(c + (1 * ldc) + 48, c13, va, vb);
            Blend(c + (2 * ldc) + 0, c20, va, vb);
            Blend(c + (2 * ldc) + 16, c21, va, vb);
            Blend(c + (2 * ldc) + 32, c22, va, vb);
            Blend(c + (2 * ldc) + 48, c23, va, vb);
            Blend(c + (3 * ldc) + 0, c30, va, vb);
            Blend(c + (3 * ldc) + 16, c31, va, vb);
            Blend(c + (3 * ldc) + 32, c32, va, vb);
            Blend(c + (3 * ldc) + 48, c33, va, vb);
            Blend(c + (4 * ldc) + 0, c40, va, vb);
            Blend(c + (4 * ldc) + 16, c41, va, vb);
            Blend(c + (4 * ldc) + 32, c42, va, vb);
            Blend(c + (4 * ldc) + 48, c43, va, vb);
            Blend(c + (5 * ldc) + 0, c50, va, vb);
            Blend(c + (5 * ldc) + 16, c51, va, vb);
            Blend(c + (5 * ldc) + 32, c52, va, vb);
            Blend(c + (5 * ldc) + 48, c53, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blend(float* dst, Vector512<float> acc, Vector512<float> alpha, Vector512<float> beta)
        => Avx512F.FusedMultiplyAdd(alpha, acc, beta * Vector512.Load(dst)).Store(dst);
}

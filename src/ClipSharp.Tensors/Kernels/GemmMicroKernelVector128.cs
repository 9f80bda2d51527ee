using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// 8×12 tile on 128-bit vectors, for ARM64 NEON (where .NET accelerates Vector128 only): 24 accumulators, 3 B loads
/// and 8 A elements per k step, 29 of AArch64's 32 vector registers. Written on the portable Vector128 API, so x64
/// runs the same code (that is how the tests reach it there). Every element of C takes one fused multiply-add per
/// k, in k order, on either way of feeding A below, so both give the same bits.
/// </summary>
internal readonly unsafe struct GemmMicroKernelVector128 : IGemmMicroKernel
{
    public static int Mr => 8;

    public static int Nr => 12;

    // KC = 256: the A micro-panel (8 KiB) and the B micro-panel it meets (12 KiB) share a 32–64 KiB L1 (Cortex-A72
    // to Neoverse V2); 512 would push them to 40 KiB. NC = 384 (32 panels, a multiple of NR): a KC × NC block of
    // packed B is 384 KiB, inside the 512 KiB–1 MiB per-core L2 of Cortex-A76 / Neoverse N1, V1, V2 with room for
    // the A panel and the C tiles, while every MR-row panel of A passes over it.
    public static int Kc => 256;

    public static int Nc => 384;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
        => GemmRowStrip<GemmMicroKernelVector128, Vector128<float>, Simd128>.Run(rows, kc, a, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        // A JIT-time constant: only one branch is compiled.
        if (AdvSimd.Arm64.IsSupported)
        {
            Tile<ALanesBySelectedScalar>(kc, a, b, c, ldc, alpha, beta);
        }
        else
        {
            Tile<ALanesByBroadcast>(kc, a, b, c, ldc, alpha, beta);
        }
    }

    // .NET has no prefetch on ARM64, so unlike the x64 kernels the C tile is not fetched ahead of the k loop.
    // The loop is not unrolled: 24 FMAs a step already hide its three scalar updates on a wide core.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TA>(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
        where TA : struct, IALanes
    {
        Vector128<float> c00 = default; Vector128<float> c01 = default; Vector128<float> c02 = default;
        Vector128<float> c10 = default; Vector128<float> c11 = default; Vector128<float> c12 = default;
        Vector128<float> c20 = default; Vector128<float> c21 = default; Vector128<float> c22 = default;
        Vector128<float> c30 = default; Vector128<float> c31 = default; Vector128<float> c32 = default;
        Vector128<float> c40 = default; Vector128<float> c41 = default; Vector128<float> c42 = default;
        Vector128<float> c50 = default; Vector128<float> c51 = default; Vector128<float> c52 = default;
        Vector128<float> c60 = default; Vector128<float> c61 = default; Vector128<float> c62 = default;
        Vector128<float> c70 = default; Vector128<float> c71 = default; Vector128<float> c72 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> b2 = Vector128.Load(b + 8);
            Vector128<float> lo = TA.Load(a);
            Vector128<float> hi = TA.Load(a + 4);
            c00 = TA.MultiplyAdd(c00, b0, a, lo, 0);
            c01 = TA.MultiplyAdd(c01, b1, a, lo, 0);
            c02 = TA.MultiplyAdd(c02, b2, a, lo, 0);
            c10 = TA.MultiplyAdd(c10, b0, a, lo, 1);
            c11 = TA.MultiplyAdd(c11, b1, a, lo, 1);
            c12 = TA.MultiplyAdd(c12, b2, a, lo, 1);
            c20 = TA.MultiplyAdd(c20, b0, a, lo, 2);
            c21 = TA.MultiplyAdd(c21, b1, a, lo, 2);
            c22 = TA.MultiplyAdd(c22, b2, a, lo, 2);
            c30 = TA.MultiplyAdd(c30, b0, a, lo, 3);
            c31 = TA.MultiplyAdd(c31, b1, a, lo, 3);
            c32 = TA.MultiplyAdd(c32, b2, a, lo, 3);
            c40 = TA.MultiplyAdd(c40, b0, a + 4, hi, 0);
            c41 = TA.MultiplyAdd(c41, b1, a + 4, hi, 0);
            c42 = TA.MultiplyAdd(c42, b2, a + 4, hi, 0);
            c50 = TA.MultiplyAdd(c50, b0, a + 4, hi, 1);
            c51 = TA.MultiplyAdd(c51, b1, a + 4, hi, 1);
            c52 = TA.MultiplyAdd(c52, b2, a + 4, hi, 1);
            c60 = TA.MultiplyAdd(c60, b0, a + 4, hi, 2);
            c61 = TA.MultiplyAdd(c61, b1, a + 4, hi, 2);
            c62 = TA.MultiplyAdd(c62, b2, a + 4, hi, 2);
            c70 = TA.MultiplyAdd(c70, b0, a + 4, hi, 3);
            c71 = TA.MultiplyAdd(c71, b1, a + 4, hi, 3);
            c72 = TA.MultiplyAdd(c72, b2, a + 4, hi, 3);
            a += 8;
            b += 12;
        }

        Vector128<float> va = Vector128.Create(alpha);
        StoreRow(c + (0 * ldc), c00, c01, c02, va, beta);
        StoreRow(c + (1 * ldc), c10, c11, c12, va, beta);
        StoreRow(c + (2 * ldc), c20, c21, c22, va, beta);
        StoreRow(c + (3 * ldc), c30, c31, c32, va, beta);
        StoreRow(c + (4 * ldc), c40, c41, c42, va, beta);
        StoreRow(c + (5 * ldc), c50, c51, c52, va, beta);
        StoreRow(c + (6 * ldc), c60, c61, c62, va, beta);
        StoreRow(c + (7 * ldc), c70, c71, c72, va, beta);
    }

    // One row of the tile: alpha·acc, or alpha·acc fused with beta·C (C read only then), as the other kernels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        float* row, Vector128<float> acc0, Vector128<float> acc1, Vector128<float> acc2, Vector128<float> alpha, float beta)
    {
        if (beta == 0f)
        {
            (alpha * acc0).Store(row);
            (alpha * acc1).Store(row + 4);
            (alpha * acc2).Store(row + 8);
        }
        else
        {
            Vector128<float> vb = Vector128.Create(beta);
            Vector128.FusedMultiplyAdd(alpha, acc0, vb * Vector128.Load(row)).Store(row);
            Vector128.FusedMultiplyAdd(alpha, acc1, vb * Vector128.Load(row + 4)).Store(row + 4);
            Vector128.FusedMultiplyAdd(alpha, acc2, vb * Vector128.Load(row + 8)).Store(row + 8);
        }
    }

    // How a k step's A elements reach the FMAs. Load fetches four of them (lanes); MultiplyAdd returns
    // acc + b · a[lane] with one rounding, taking the element from whichever of a (its address) or lanes it uses.
    private interface IALanes
    {
        static abstract Vector128<float> Load(float* a);

        static abstract Vector128<float> MultiplyAdd(
            Vector128<float> acc, Vector128<float> b, float* a, Vector128<float> lanes, [ConstantExpected(Max = (byte)3)] byte lane);
    }

    // Portable: each element broadcast from memory (ld1r on ARM64, vbroadcastss on x64); lanes are unused.
    private readonly struct ALanesByBroadcast : IALanes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Load(float* a) => default;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MultiplyAdd(
            Vector128<float> acc, Vector128<float> b, float* a, Vector128<float> lanes, [ConstantExpected(Max = (byte)3)] byte lane)
            => Vector128.FusedMultiplyAdd(Vector128.Create(a[lane]), b, acc);
    }

    // AArch64: two loads fetch the step's eight elements and FMLA (by element) picks one per FMA. The Cortex-A76 /
    // Neoverse N1 guides list a broadcast load (ld1r) on a vector pipe too, so 8 a step would cost a third of the
    // FMA slots; this costs none. Same fused operation on the same operands: the portable path's bits.
    private readonly struct ALanesBySelectedScalar : IALanes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Load(float* a) => Vector128.Load(a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MultiplyAdd(
            Vector128<float> acc, Vector128<float> b, float* a, Vector128<float> lanes, [ConstantExpected(Max = (byte)3)] byte lane)
            => AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(acc, b, lanes, lane);
    }
}

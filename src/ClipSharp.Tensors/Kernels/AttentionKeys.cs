using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Tensors.Kernels;

// One head's keys transposed into scratch for the score tiles, which broadcast a query element and
// load keyLength-contiguous vectors of keys. A pure data move: every path gives the same kT.
internal static unsafe class AttentionKeys
{
    // k: [keyLength, headDim] with rows kStride apart -> kT: [headDim, ldk], columns past keyLength zeroed.
    public static void Load(float* k, int kStride, int keyLength, int headDim, float* kT, int ldk, KernelIsa isa)
    {
        int keys = 0, dims = 0;
        if (isa == KernelIsa.Vector512 && Avx512F.IsSupported)
        {
            keys = keyLength / 16 * 16;
            dims = headDim / 16 * 16;
            for (int j = 0; j < keys; j += 16)
            {
                for (int d = 0; d < dims; d += 16)
                {
                    Transpose16(k + ((nint)j * kStride) + d, kStride, kT + ((nint)d * ldk) + j, ldk);
                }
            }
        }

        // What the 16×16 blocks left: the columns past the last whole block of each row, and the rows past
        // the last whole block of keys.
        for (int j = 0; j < keyLength; j++)
        {
            float* kRow = k + ((nint)j * kStride);
            for (int d = j < keys ? dims : 0; d < headDim; d++)
            {
                kT[((nint)d * ldk) + j] = kRow[d];
            }
        }

        for (int d = 0; d < headDim; d++)
        {
            new Span<float>(kT + ((nint)d * ldk) + keyLength, ldk - keyLength).Clear();
        }
    }

    // y[c, r] = x[r, c] for a 16×16 block: four rounds, each swapping the off-diagonal sub-blocks of size s
    // (8, 4, 2, 1) between rows r and r + s with two-source permutes.
    private static void Transpose16(float* x, int ldx, float* y, int ldy)
    {
        Vector512<float> r0 = Vector512.Load(x), r1 = Vector512.Load(x + ldx);
        Vector512<float> r2 = Vector512.Load(x + (2 * (nint)ldx)), r3 = Vector512.Load(x + (3 * (nint)ldx));
        Vector512<float> r4 = Vector512.Load(x + (4 * (nint)ldx)), r5 = Vector512.Load(x + (5 * (nint)ldx));
        Vector512<float> r6 = Vector512.Load(x + (6 * (nint)ldx)), r7 = Vector512.Load(x + (7 * (nint)ldx));
        Vector512<float> r8 = Vector512.Load(x + (8 * (nint)ldx)), r9 = Vector512.Load(x + (9 * (nint)ldx));
        Vector512<float> r10 = Vector512.Load(x + (10 * (nint)ldx)), r11 = Vector512.Load(x + (11 * (nint)ldx));
        Vector512<float> r12 = Vector512.Load(x + (12 * (nint)ldx)), r13 = Vector512.Load(x + (13 * (nint)ldx));
        Vector512<float> r14 = Vector512.Load(x + (14 * (nint)ldx)), r15 = Vector512.Load(x + (15 * (nint)ldx));

        Round(ref r0, ref r8, 8);
        Round(ref r1, ref r9, 8);
        Round(ref r2, ref r10, 8);
        Round(ref r3, ref r11, 8);
        Round(ref r4, ref r12, 8);
        Round(ref r5, ref r13, 8);
        Round(ref r6, ref r14, 8);
        Round(ref r7, ref r15, 8);

        Round(ref r0, ref r4, 4);
        Round(ref r1, ref r5, 4);
        Round(ref r2, ref r6, 4);
        Round(ref r3, ref r7, 4);
        Round(ref r8, ref r12, 4);
        Round(ref r9, ref r13, 4);
        Round(ref r10, ref r14, 4);
        Round(ref r11, ref r15, 4);

        Round(ref r0, ref r2, 2);
        Round(ref r1, ref r3, 2);
        Round(ref r4, ref r6, 2);
        Round(ref r5, ref r7, 2);
        Round(ref r8, ref r10, 2);
        Round(ref r9, ref r11, 2);
        Round(ref r12, ref r14, 2);
        Round(ref r13, ref r15, 2);

        Round(ref r0, ref r1, 1);
        Round(ref r2, ref r3, 1);
        Round(ref r4, ref r5, 1);
        Round(ref r6, ref r7, 1);
        Round(ref r8, ref r9, 1);
        Round(ref r10, ref r11, 1);
        Round(ref r12, ref r13, 1);
        Round(ref r14, ref r15, 1);

        r0.Store(y);
        r1.Store(y + ldy);
        r2.Store(y + (2 * (nint)ldy));
        r3.Store(y + (3 * (nint)ldy));
        r4.Store(y + (4 * (nint)ldy));
        r5.Store(y + (5 * (nint)ldy));
        r6.Store(y + (6 * (nint)ldy));
        r7.Store(y + (7 * (nint)ldy));
        r8.Store(y + (8 * (nint)ldy));
        r9.Store(y + (9 * (nint)ldy));
        r10.Store(y + (10 * (nint)ldy));
        r11.Store(y + (11 * (nint)ldy));
        r12.Store(y + (12 * (nint)ldy));
        r13.Store(y + (13 * (nint)ldy));
        r14.Store(y + (14 * (nint)ldy));
        r15.Store(y + (15 * (nint)ldy));
    }

    // Within each group of 2s lanes: a keeps its first s and takes b's first s; b takes a's last s and keeps its last s.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector512<float> a, ref Vector512<float> b, int s)
    {
        Vector512<int> low, high;
        switch (s)
        {
            case 8:
                low = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
                high = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
                break;
            case 4:
                low = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
                high = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
                break;
            case 2:
                low = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
                high = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
                break;
            default:
                low = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
                high = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
                break;
        }

        Vector512<float> x = Avx512F.PermuteVar16x32x2(a, low, b);
        b = Avx512F.PermuteVar16x32x2(a, high, b);
        a = x;
    }
}

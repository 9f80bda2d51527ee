using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// Packs a block of op(A) rows into micro-panels of <c>mr</c> interleaved rows, so the micro-kernel reads A
/// sequentially: one panel is [k, mr], rows past the block are zero. The transpose of op(A) is absorbed here.
/// </summary>
internal static unsafe class GemmPackA
{
    // a: op(A) at row i0 (transA: A is stored [k, m], so a = &A[0, i0]; else A is [m, k], a = &A[i0, 0]).
    // dst: ceil(mc / mr) panels, each [k, mr].
    public static void Pack(bool transA, float* a, nint lda, int mc, int k, int mr, float* dst, bool vector)
    {
        int i0 = 0;
        if (transA && vector && mr % 2 == 0)
        {
            i0 = PackContiguousGroups(a, lda, mc, k, mr, dst);
        }

        for (; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* panel = dst + ((nint)i0 * k);
            if (transA)
            {
                PackContiguousRows(a + i0, lda, rows, k, mr, panel, vector && rows == mr && mr % 2 == 0);
            }
            else if (vector && mr == 6 && rows == 6 && Avx.IsSupported)
            {
                PackSixRowsTransposed(a + (i0 * lda), lda, k, panel);
            }
            else
            {
                // The 128-bit kernel's 8-row panels too: a portable 4×4 transpose needs two-source shuffles that
                // Vector128 does not have, and packing A is O(m·k) against the kernel's O(m·n·k).
                PackStridedRows(a + (i0 * lda), lda, rows, k, mr, panel);
            }
        }
    }

    // Floats of one source row read per k step when whole panels are packed together.
    private const int GroupRowFloats = 64;

    // op(A)[i, p] = src[p * lda + i] for whole panels, several at a time: each k step reads about GroupRowFloats
    // consecutive floats of a row of A and splits them over the group's panels. One 6-row panel at a time read 24
    // bytes per row of dYᵀ, rows a page apart in the weight gradients (lda ≥ 1024), so nearly every read missed the TLB
    // and the prefetchers. Returns the first row it left (a short tail of panels, or a partial one).
    private static int PackContiguousGroups(float* a, nint lda, int mc, int k, int mr, float* dst)
    {
        int group = Math.Max(1, GroupRowFloats / mr);
        int span = group * mr;
        int i0 = 0;
        for (; i0 + span <= mc; i0 += span)
        {
            float* first = dst + ((nint)i0 * k);
            nint panelStride = (nint)mr * k;
            for (int p = 0; p < k; p++)
            {
                float* s = a + i0 + (p * lda);
                float* d = first + ((nint)p * mr);
                for (int q = 0; q < group; q++)
                {
                    CopyStep(s + (q * mr), d + (q * panelStride), mr);
                }
            }
        }

        return i0;
    }

    // op(A)[i, p] = src[p * lda + i]: each k step is already a contiguous run of the panel's rows.
    // A full panel of an even number of rows copies in vectors: the multiple of 4 as whole vectors, the 6-row kernels'
    // last two rows as one 8-byte move. This is the weight-gradient GEMMs' A (dYᵀ), packed per MC × KC block over the
    // batch depth, where a per-row scalar loop cost a measurable share of a training step; whole groups of panels go
    // through PackContiguousGroups first, and this packs the ones left over.
    private static void PackContiguousRows(float* src, nint lda, int rows, int k, int mr, float* panel, bool vectorCopy)
    {
        for (int p = 0; p < k; p++)
        {
            float* s = src + (p * lda);
            float* d = panel + ((nint)p * mr);
            if (vectorCopy)
            {
                CopyStep(s, d, mr);
                continue;
            }

            int r = 0;
            for (; r < rows; r++)
            {
                d[r] = s[r];
            }

            for (; r < mr; r++)
            {
                d[r] = 0f;
            }
        }
    }

    // One k step of a full panel of an even number of rows (mr): the multiple of 4 as whole vectors, the 6-row
    // kernels' last two rows as one 8-byte move.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyStep(float* s, float* d, int mr)
    {
        int whole = mr & ~3;
        GemmPanelCopy.Copy(s, d, whole);
        if (whole != mr)
        {
            Unsafe.WriteUnaligned(d + whole, Unsafe.ReadUnaligned<ulong>(s + whole));
        }
    }

    // op(A)[i, p] = src[i * lda + p]: a scalar gather, for edges and the scalar path.
    private static void PackStridedRows(float* src, nint lda, int rows, int k, int mr, float* panel)
    {
        for (int p = 0; p < k; p++)
        {
            float* d = panel + ((nint)p * mr);
            int r = 0;
            for (; r < rows; r++)
            {
                d[r] = src[(r * lda) + p];
            }

            for (; r < mr; r++)
            {
                d[r] = 0f;
            }
        }
    }

    // Six source rows, eight k steps at a time through an 8×8 register transpose (two zero rows).
    // Each 8-float store overlaps the next k step by two floats, which that step's store then overwrites;
    // the last one spills into the following panel or the buffer's slack.
    private static void PackSixRowsTransposed(float* src, nint lda, int k, float* panel)
    {
        float* s0 = src;
        float* s1 = src + lda;
        float* s2 = src + (2 * lda);
        float* s3 = src + (3 * lda);
        float* s4 = src + (4 * lda);
        float* s5 = src + (5 * lda);
        Vector256<float> zero = Vector256<float>.Zero;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            GemmTranspose.Transpose8x8(
                Vector256.Load(s0 + p), Vector256.Load(s1 + p), Vector256.Load(s2 + p), Vector256.Load(s3 + p),
                Vector256.Load(s4 + p), Vector256.Load(s5 + p), zero, zero,
                out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
                out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7);
            float* d = panel + ((nint)p * 6);
            o0.Store(d);
            o1.Store(d + 6);
            o2.Store(d + 12);
            o3.Store(d + 18);
            o4.Store(d + 24);
            o5.Store(d + 30);
            o6.Store(d + 36);
            o7.Store(d + 42);
        }

        for (; p < k; p++)
        {
            float* d = panel + ((nint)p * 6);
            d[0] = s0[p];
            d[1] = s1[p];
            d[2] = s2[p];
            d[3] = s3[p];
            d[4] = s4[p];
            d[5] = s5[p];
        }
    }
}

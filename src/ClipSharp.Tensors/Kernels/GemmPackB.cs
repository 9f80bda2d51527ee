using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// Packs op(B) columns into micro-panels of <c>nr</c> columns, so the micro-kernel reads B sequentially:
/// one panel is [k, nr], columns past n are zero. The transpose of op(B) is absorbed here.
/// </summary>
internal static unsafe class GemmPackB
{
    // b: op(B) at column 0 (transB: B is stored [n, k]; else [k, n]).
    // dst: ceil(n / nr) panels, each [k, nr]; this call fills panels [panelStart, panelEnd).
    public static void Pack(
        bool transB, float* b, nint ldb, int k, int n, int nr, float* dst, int panelStart, int panelEnd, bool vector)
    {
        int jp = panelStart;
        if (!transB && vector && nr % 4 == 0)
        {
            jp = PackContiguousGroups(b, ldb, k, n, nr, dst, panelStart, panelEnd);
        }

        for (; jp < panelEnd; jp++)
        {
            int j0 = jp * nr;
            int cols = Math.Min(nr, n - j0);
            float* panel = dst + ((nint)j0 * k);
            if (!transB)
            {
                PackContiguousColumns(b + j0, ldb, cols, k, nr, panel, vector);
            }
            else if (vector && cols == nr && nr % 8 == 0 && Avx.IsSupported)
            {
                PackColumnsTransposed(b + (j0 * ldb), ldb, k, nr, panel);
            }
            else
            {
                // The 128-bit kernel's 12-column panels too (no portable two-source shuffle for a transpose); the
                // gather reads 12 sequential streams, which the hardware prefetchers follow.
                PackStridedColumns(b + (j0 * ldb), ldb, cols, k, nr, panel);
            }
        }
    }

    // Floats of one source row read per k step when whole panels are packed together: four cache lines.
    private const int GroupRowFloats = 64;

    // op(B)[p, j] = src[p * ldb + j] for whole panels, several at a time: each k step reads GroupRowFloats consecutive
    // floats of a row and splits them over the group's panels. One 16-wide panel at a time reads a single cache line
    // per row, a page apart when B is [k, n] with n ≥ 1024 (the weight gradients' activations), so the reads missed
    // the TLB and the prefetchers on every line. Returns the first panel it left (partial panels, or a short tail).
    private static int PackContiguousGroups(float* b, nint ldb, int k, int n, int nr, float* dst, int panelStart, int panelEnd)
    {
        int group = Math.Max(1, GroupRowFloats / nr);
        int fullEnd = Math.Min(panelEnd, n / nr);
        int jp = panelStart;
        for (; jp + group <= fullEnd; jp += group)
        {
            float* src = b + ((nint)jp * nr);
            float* first = dst + ((nint)jp * nr * k);
            nint panelStride = (nint)nr * k;
            for (int p = 0; p < k; p++)
            {
                float* s = src + (p * ldb);
                float* d = first + ((nint)p * nr);
                for (int q = 0; q < group; q++)
                {
                    GemmPanelCopy.Copy(s + (q * nr), d + (q * panelStride), nr);
                }
            }
        }

        return jp;
    }

    // op(B)[p, j] = src[p * ldb + j]: each k step copies a contiguous run.
    private static void PackContiguousColumns(float* src, nint ldb, int cols, int k, int nr, float* panel, bool vector)
    {
        bool full = vector && cols == nr && nr % 4 == 0;
        for (int p = 0; p < k; p++)
        {
            float* s = src + (p * ldb);
            float* d = panel + ((nint)p * nr);
            if (full)
            {
                GemmPanelCopy.Copy(s, d, nr);
                continue;
            }

            int c = 0;
            for (; c < cols; c++)
            {
                d[c] = s[c];
            }

            for (; c < nr; c++)
            {
                d[c] = 0f;
            }
        }
    }

    // op(B)[p, j] = src[j * ldb + p]: a scalar gather, for edges and the scalar path.
    private static void PackStridedColumns(float* src, nint ldb, int cols, int k, int nr, float* panel)
    {
        for (int p = 0; p < k; p++)
        {
            float* d = panel + ((nint)p * nr);
            int c = 0;
            for (; c < cols; c++)
            {
                d[c] = src[(c * ldb) + p];
            }

            for (; c < nr; c++)
            {
                d[c] = 0f;
            }
        }
    }

    // 8 columns × 8 k steps per register transpose; the destination block of a k step stays in L1.
    private static void PackColumnsTransposed(float* src, nint ldb, int k, int nr, float* panel)
    {
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            float* d = panel + ((nint)p * nr);
            for (int j = 0; j < nr; j += 8)
            {
                float* s = src + (j * ldb) + p;
                GemmTranspose.Transpose8x8(
                    Vector256.Load(s), Vector256.Load(s + ldb), Vector256.Load(s + (2 * ldb)),
                    Vector256.Load(s + (3 * ldb)), Vector256.Load(s + (4 * ldb)), Vector256.Load(s + (5 * ldb)),
                    Vector256.Load(s + (6 * ldb)), Vector256.Load(s + (7 * ldb)),
                    out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
                    out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7);
                float* dj = d + j;
                o0.Store(dj);
                o1.Store(dj + nr);
                o2.Store(dj + (2 * nr));
                o3.Store(dj + (3 * nr));
                o4.Store(dj + (4 * nr));
                o5.Store(dj + (5 * nr));
                o6.Store(dj + (6 * nr));
                o7.Store(dj + (7 * nr));
            }
        }

        for (; p < k; p++)
        {
            float* d = panel + ((nint)p * nr);
            for (int j = 0; j < nr; j++)
            {
                d[j] = src[(j * ldb) + p];
            }
        }
    }
}

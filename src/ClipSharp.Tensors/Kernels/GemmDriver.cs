namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// Cache blocking and threading around one micro-kernel. op(B) is packed once per call (in column blocks when it
/// is too large; a float32 weight packed in advance is read in place instead) and shared by all threads; each
/// thread takes a contiguous range of C rows, packs an MC × KC block of its A rows at a time, and walks the
/// KC × NC blocks of B against it:
/// <code>
/// for ic (MC rows, this thread)
///   for pc (KC depth)             pack A[ic:ic+MC, pc:pc+KC]        (L2, streamed one micro-panel at a time)
///     for jc (NC columns)         B[pc:pc+KC, jc:jc+NC] packed      (L2, reused by every MR row panel)
///       for ir (MR rows)          A micro-panel [KC, MR]            (L1)
///         for jr (NR columns)     micro-kernel on C[MR, NR]
/// </code>
/// </summary>
internal static unsafe class GemmDriver<TKernel>
    where TKernel : struct, IGemmMicroKernel
{
    // KC and NC are the kernel's (each sized to the caches of the CPUs it targets); MC follows from the budget below.
    private const int McMinTiles = 16;
    private const int McMaxTiles = 64;
    private const int PackedABudget = 3 << 18;

    // Packed B beyond this many floats is built in column blocks, to bound the scratch memory.
    private const long MaxPackedB = 1L << 23;

    // Rows of A per block. Every MC rows sweep all of packed B once, so MC is as large as ~3 MiB of A over the whole
    // depth allows (B then comes from L3/DRAM fewer times), within 16..64 row tiles. The same bound decides whether
    // all rows fit one block (the few-rows path).
    private static int Mc(int k)
    {
        int tiles = Math.Clamp(PackedABudget / Math.Max(1, k) / TKernel.Mr, McMinTiles, McMaxTiles);
        return tiles * TKernel.Mr;
    }

    public static void Run(in GemmProblem problem, int threads, bool vectorPack)
    {
        int nr = TKernel.Nr;
        int k = problem.K;
        int n = problem.N;

        // A float32 weight packed in advance is already op(B) in panels: one block of every column, read in place.
        bool prepacked = problem.Packed.IsPrepacked;
        long maxColumns = prepacked ? RoundUp(n, nr) : Math.Max(nr, MaxPackedB / k / nr * nr);
        int blockColumns = (int)Math.Min(maxColumns, RoundUp(n, nr));
        float* packedB = prepacked ? null : GemmBuffer.PackedB((long)blockColumns * k);
        for (int j0 = 0; j0 < n; j0 += blockColumns)
        {
            int columns = Math.Min(blockColumns, n - j0);
            float* b = problem.TransB ? problem.B + (j0 * problem.Ldb) : problem.B + j0;
            float* blockB = prepacked ? problem.Packed.Panel(j0 / nr, 0) : packedB;
            int panels = (columns + nr - 1) / nr;
            if (threads == 1)
            {
                if (!prepacked)
                {
                    PackColumns(problem, b, columns, j0 / nr, packedB, 0, panels, vectorPack);
                }

                ComputeRows(problem, 0, problem.M, j0, columns, blockB, vectorPack);
            }
            else
            {
                RunBlockForked(problem, threads, j0, columns, b, blockB, vectorPack);
            }
        }
    }

    // The threaded body of Run for one column block: B's panels packed by share, then C's rows computed by share.
    private static void RunBlockForked(GemmProblem p, int t, int j0, int columns, float* b, float* packedB, bool vectorPack)
    {
        if (!p.Packed.IsPrepacked)
        {
            GemmThreads.For(t, new PackShares(p, t, j0, columns, b, packedB, vectorPack));
        }

        GemmThreads.For(t, new RowShares(p, t, j0, columns, packedB, vectorPack));
    }

    private static long RoundUp(long x, int step) => (x + step - 1) / step * step;

    // Panels [panelStart, panelEnd) of a column block (its first panel is panel0 of op(B)), each [k, NR], into
    // packedB: packed from float op(B), or widened from a pre-packed reduced-precision weight (same layout).
    private static void PackColumns(
        in GemmProblem p, float* b, int columns, int panel0, float* packedB, int panelStart, int panelEnd, bool vectorPack)
    {
        if (p.Packed.IsSet)
        {
            p.Packed.Unpack(panel0 + panelStart, panel0 + panelEnd, 0, p.K, packedB + ((nint)panelStart * p.K * TKernel.Nr));
            return;
        }

        GemmPackB.Pack(p.TransB, b, p.Ldb, p.K, columns, TKernel.Nr, packedB, panelStart, panelEnd, vectorPack);
    }

    // Few rows (all of them fit one MC block of packed A): every element of B is used by one pass only, so packing
    // all of B up front is pure memory traffic (write it out, read it back). Here each thread takes a range of NR-column
    // panels and packs one KC × NR block at a time, used at once by every row tile while it sits in L1/L2. Splitting
    // the columns also balances threads where a few row tiles cannot (m = 50 has 9 tiles of 6).
    // Every element of C gets the same operations as in Run, so the result does not depend on which path ran.
    public static void RunFewRows(in GemmProblem problem, int threads, bool vectorPack)
    {
        int panels = (problem.N + TKernel.Nr - 1) / TKernel.Nr;
        int t = Math.Max(1, Math.Min(threads, panels));
        if (t == 1)
        {
            ComputePanels(problem, 0, panels, vectorPack);
            return;
        }

        RunPanelsForked(problem, t, panels, vectorPack);
    }

    private static void RunPanelsForked(GemmProblem p, int t, int panels, bool vectorPack)
        => GemmThreads.For(t, new PanelShares(p, t, panels, vectorPack));

    public static bool FitsFewRows(int m, int k) => m <= Mc(k);

    // Panels of a float op(B) packed together per KC slab on the few-rows path: as many as make a row read of 64
    // floats (GemmPackB's grouped copy), 4 × 32 KiB for the 16-wide kernel, which stay in L2 while every row tile
    // reads them. A weight packed in advance is contiguous per panel already and keeps one panel (in L1) at a time.
    private static int PanelGroup(in GemmProblem p) => p.Packed.IsSet ? 1 : Math.Max(1, 64 / TKernel.Nr);

    // C[:, panelStart·NR : panelEnd·NR] with op(B) packed one group of KC × NR blocks at a time.
    private static void ComputePanels(in GemmProblem p, int panelStart, int panelEnd, bool vectorPack)
    {
        if (panelStart >= panelEnd)
        {
            return;
        }

        int mr = TKernel.Mr;
        int nr = TKernel.Nr;
        int m = p.M;
        int k = p.K;
        float* packedA = GemmBuffer.PackedA(RoundUp(m, mr) * k);
        GemmPackA.Pack(p.TransA, p.A, p.Lda, m, k, mr, packedA, vectorPack);
        bool prepacked = p.Packed.IsPrepacked;
        int group = PanelGroup(p);
        float* scratchB = prepacked ? null : GemmBuffer.PackedB((long)group * Math.Min(TKernel.Kc, k) * nr);
        float* tile = stackalloc float[TKernel.Mr * TKernel.Nr];
        for (int panel = panelStart; panel < panelEnd; panel += group)
        {
            int panels = Math.Min(group, panelEnd - panel);
            int j0 = panel * nr;
            int cols = Math.Min(panels * nr, p.N - j0);
            for (int pc = 0; pc < k; pc += TKernel.Kc)
            {
                int kc = Math.Min(TKernel.Kc, k - pc);
                if (!prepacked)
                {
                    PackSlab(p, panel, panels, j0, cols, pc, kc, scratchB, vectorPack);
                }

                float beta = pc == 0 ? p.Beta : 1f;
                for (int q = 0; q < panels; q++)
                {
                    // A KC slab of a pre-packed [k, NR] panel is contiguous: the kernel reads it in place.
                    float* packedB = prepacked ? p.Packed.Panel(panel + q, pc) : scratchB + ((nint)q * kc * nr);
                    MultiplyPanel(p, packedA, pc, kc, packedB, j0 + (q * nr), beta, tile);
                }
            }
        }
    }

    // The KC slab [pc, pc + kc) of `panels` NR-column panels of op(B) from column j0, each [kc, NR], into dst.
    private static void PackSlab(
        in GemmProblem p, int panel, int panels, int j0, int cols, int pc, int kc, float* dst, bool vectorPack)
    {
        if (p.Packed.IsSet)
        {
            p.Packed.Unpack(panel, panel + panels, pc, kc, dst);
            return;
        }

        float* b = p.TransB ? p.B + (j0 * p.Ldb) + pc : p.B + (pc * p.Ldb) + j0;
        GemmPackB.Pack(p.TransB, b, p.Ldb, kc, cols, TKernel.Nr, dst, 0, panels, vectorPack);
    }

    // Every row tile of C[:, j0 : j0 + NR] gets one KC slab: packed A's slab at pc times one packed B block.
    // tile: [MR, NR] scratch for the edge tiles.
    private static void MultiplyPanel(
        in GemmProblem p, float* packedA, int pc, int kc, float* packedB, int j0, float beta, float* tile)
    {
        int mr = TKernel.Mr;
        int nr = TKernel.Nr;
        int m = p.M;
        nint ldc = p.Ldc;
        int cols = Math.Min(nr, p.N - j0);
        for (int ir = 0; ir < m; ir += mr)
        {
            int rows = Math.Min(mr, m - ir);
            float* ap = packedA + ((nint)ir * p.K) + ((nint)pc * mr);
            float* cp = p.C + (ir * ldc) + j0;
            if (rows == mr && cols == nr)
            {
                TKernel.Run(kc, ap, packedB, cp, ldc, p.Alpha, beta);
            }
            else if (cols == nr)
            {
                TKernel.RunRows(rows, kc, ap, packedB, cp, ldc, p.Alpha, beta);
            }
            else
            {
                TKernel.Run(kc, ap, packedB, tile, nr, 1f, 0f);
                GemmEdge.Merge(tile, nr, cp, ldc, rows, cols, p.Alpha, beta);
            }
        }
    }

    // C[rowStart:rowEnd, col0:col0+columns] from packed B [ceil(columns / NR) panels of k × NR].
    private static void ComputeRows(
        in GemmProblem p, int rowStart, int rowEnd, int col0, int columns, float* packedB, bool vectorPack)
    {
        int mr = TKernel.Mr;
        int nr = TKernel.Nr;
        int k = p.K;
        nint ldc = p.Ldc;
        int mcMax = Mc(Math.Min(k, TKernel.Kc));
        float* packedA = GemmBuffer.PackedA((long)mcMax * Math.Min(k, TKernel.Kc));
        float* tile = stackalloc float[TKernel.Mr * TKernel.Nr];
        for (int ic = rowStart; ic < rowEnd; ic += mcMax)
        {
            int mc = Math.Min(mcMax, rowEnd - ic);

            // A is packed one KC slab at a time, MC × KC (at most 768 KiB), so it stays in L2 from its packing to the
            // kernels that read it; a whole-depth block of the weight gradients (k = batch × tokens) went out to L3
            // and back. An element of C still gets its slabs in order, so the bits do not change.
            for (int pc = 0; pc < k; pc += TKernel.Kc)
            {
                int kc = Math.Min(TKernel.Kc, k - pc);
                float* a = p.TransA ? p.A + ic + (pc * p.Lda) : p.A + (ic * p.Lda) + pc;
                GemmPackA.Pack(p.TransA, a, p.Lda, mc, kc, mr, packedA, vectorPack);
                float beta = pc == 0 ? p.Beta : 1f;
                for (int jc = 0; jc < columns; jc += TKernel.Nc)
                {
                    int nc = Math.Min(TKernel.Nc, columns - jc);
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        float* ap = packedA + ((nint)ir * kc);
                        float* cRow = p.C + ((ic + ir) * ldc) + col0;
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            float* bp = packedB + ((nint)(jc + jr) * k) + ((nint)pc * nr);
                            float* cp = cRow + jc + jr;
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Run(kc, ap, bp, cp, ldc, p.Alpha, beta);
                            }
                            else if (cols == nr)
                            {
                                TKernel.RunRows(rows, kc, ap, bp, cp, ldc, p.Alpha, beta);
                            }
                            else
                            {
                                TKernel.Run(kc, ap, bp, tile, nr, 1f, 0f);
                                GemmEdge.Merge(tile, nr, cp, ldc, rows, cols, p.Alpha, beta);
                            }
                        }
                    }
                }
            }
        }
    }

    // The forked bodies are structs carrying their operands, so a threaded GEMM allocates nothing.

    // Share i of t packs NR-column panels [panels·i/t, panels·(i+1)/t) of one column block of op(B).
    private readonly struct PackShares(GemmProblem p, int t, int j0, int columns, float* b, float* packedB, bool vectorPack) : IForkBody
    {
        public void Run(int i)
        {
            int panels = (columns + TKernel.Nr - 1) / TKernel.Nr;
            PackColumns(p, b, columns, j0 / TKernel.Nr, packedB, panels * i / t, panels * (i + 1) / t, vectorPack);
        }
    }

    // Share i of t computes row tiles [tiles·i/t, tiles·(i+1)/t) of C against one packed column block.
    private readonly struct RowShares(GemmProblem p, int t, int j0, int columns, float* packedB, bool vectorPack) : IForkBody
    {
        public void Run(int i)
        {
            int rowTiles = (p.M + TKernel.Mr - 1) / TKernel.Mr;
            ComputeRows(
                p,
                Math.Min(p.M, rowTiles * i / t * TKernel.Mr),
                Math.Min(p.M, rowTiles * (i + 1) / t * TKernel.Mr),
                j0, columns, packedB, vectorPack);
        }
    }

    // Share i of t computes the NR-column panels [panels·i/t, panels·(i+1)/t) of C (the few-rows path).
    private readonly struct PanelShares(GemmProblem p, int t, int panels, bool vectorPack) : IForkBody
    {
        public void Run(int i) => ComputePanels(p, panels * i / t, panels * (i + 1) / t, vectorPack);
    }
}

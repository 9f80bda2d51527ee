using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

/// <summary>
/// The few-rows path (B packed one KC × NR block at a time, threads over column panels) against the oracle, and
/// bit for bit against the row-block path: an element of C must not depend on which path or split computed it.
/// </summary>
public sealed class GemmColumnPanelsTests
{
    // ViT-B/32 at batch 1 has 50 rows (49 for the patch conv); text rows are batch × length, often tiny.
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (50, 200, 700), (49, 130, 96), (1, 130, 1030), (7, 65, 513), (6, 64, 512), (13, 300, 1), (50, 64, 1100), (5, 1, 9),
        (8, 12, 256), (17, 400, 257),
    ];

    public static TheoryData<string, bool, bool> IsaAndTransposes() => GemmTests.IsaAndTransposes();

    [Theory]
    [MemberData(nameof(IsaAndTransposes))]
    public void ColumnPanels_MatchOracle_AndRowBlocksBitForBit(string isaName, bool transA, bool transB)
    {
        KernelIsa isa = GemmTests.RequireIsa(isaName);
        (float Alpha, float Beta)[] scales = [(1f, 0f), (1f, 1f), (-1.5f, 0.5f), (0.25f, -1f)];
        int index = 0;
        foreach ((int m, int n, int k) in s_shapes)
        {
            (float alpha, float beta) = scales[index % scales.Length];
            int pad = index % 2 == 0 ? 3 : 0;
            int seed = 700 + index;
            float[] rows = GemmTests.CheckAgainstOracle(isa, 2, transA, transB, m, n, k, alpha, beta, pad, seed, GemmPath.RowBlocks);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                float[] columns = GemmTests.CheckAgainstOracle(isa, threads, transA, transB, m, n, k, alpha, beta, pad, seed, GemmPath.ColumnPanels);
                Assert.Equal(rows.Select(BitConverter.SingleToInt32Bits), columns.Select(BitConverter.SingleToInt32Bits));
            }

            index++;
        }
    }

    [Fact]
    public void AutoPicksEitherPath_WithTheSameBits()
    {
        // 300 rows at k = 64 fit one block of packed A (column panels); at k = 4096 they do not (row blocks).
        foreach (int k in new[] { 64, 4096 })
        {
            float[] auto = GemmTests.CheckAgainstOracle(KernelIsas.Best, 2, false, true, 300, 70, k, 1f, 0f, 0, seed: 800 + k);
            float[] rows = GemmTests.CheckAgainstOracle(KernelIsas.Best, 2, false, true, 300, 70, k, 1f, 0f, 0, seed: 800 + k, GemmPath.RowBlocks);
            float[] columns = GemmTests.CheckAgainstOracle(KernelIsas.Best, 2, false, true, 300, 70, k, 1f, 0f, 0, seed: 800 + k, GemmPath.ColumnPanels);
            Assert.Equal(rows, auto);
            Assert.Equal(rows, columns);
        }
    }
}

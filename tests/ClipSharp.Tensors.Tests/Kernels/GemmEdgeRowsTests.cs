using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

/// <summary>
/// The bottom edge of C (fewer rows than a tile) runs in row strips rather than the full tile: each of its rows must
/// get the bits it gets when it lies inside a full tile, so that a row's result depends neither on m nor on where a
/// tile boundary falls (the last transformer block computes only the rows it reads out and relies on this).
/// </summary>
public sealed class GemmEdgeRowsTests
{
    public static TheoryData<string, bool, bool> IsaAndTransposes() => GemmTests.IsaAndTransposes();

    [Theory]
    [MemberData(nameof(IsaAndTransposes))]
    public void EveryEdgeHeight_GivesTheRowsTheirFullTileBits(string isaName, bool transA, bool transB)
    {
        KernelIsa isa = GemmTests.RequireIsa(isaName);
        const int tall = 18, n = 76, k = 530;
        var random = new Random(4100);
        float[] a = KernelTestKit.Uniform(random, tall * k, -1f, 1f);
        float[] b = KernelTestKit.Uniform(random, n * k, -1f, 1f);
        float[] seed = KernelTestKit.Uniform(random, tall * n, -1f, 1f);
        foreach ((float alpha, float beta) in new[] { (1f, 0f), (0.75f, 1f), (-1.25f, 0.5f) })
        {
            foreach (GemmPath path in new[] { GemmPath.RowBlocks, GemmPath.ColumnPanels })
            {
                float[] full = Multiply(isa, transA, transB, tall, tall, n, k, alpha, a, b, beta, seed, path);
                for (int m = 1; m < tall; m++)
                {
                    float[] part = Multiply(isa, transA, transB, tall, m, n, k, alpha, a, b, beta, seed, path);
                    for (int i = 0; i < m * n; i++)
                    {
                        if (BitConverter.SingleToInt32Bits(part[i]) != BitConverter.SingleToInt32Bits(full[i]))
                        {
                            Assert.Fail($"{isaName} {path} m={m} alpha={alpha} beta={beta}: C[{i / n}, {i % n}] is {part[i]:R}, {full[i]:R} in the full problem.");
                        }
                    }
                }
            }
        }
    }

    // The first m rows of op(A) [tall, k] (its storage is the same for every m: rows of A, or columns of Aᵀ with lda = tall)
    // times op(B) [k, n], into the first m rows of a copy of seed.
    private static float[] Multiply(
        KernelIsa isa, bool transA, bool transB, int tall, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] seed, GemmPath path)
    {
        float[] c = (float[])seed.Clone();
        int lda = transA ? tall : k;
        int ldb = transB ? k : n;
        Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n, isa, threads: 2, path);
        return c;
    }
}

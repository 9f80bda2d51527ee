using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class GemmTests
{
    private static readonly int[] s_dims = [1, 2, 3, 5, 7, 15, 17, 31, 33, 63, 65, 127];

    // (alpha, beta): beta 0 runs with a NaN-filled C, which must not leak.
    private static readonly (float Alpha, float Beta)[] s_scales = [(1f, 0f), (1f, 1f), (-1.5f, 0.5f), (2f, 0f)];

    // Instruction sets travel by name: the enum is internal to the engine.
    public static TheoryData<string, bool, bool> IsaAndTransposes()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string isa in Enum.GetNames<KernelIsa>())
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    data.Add(isa, transA, transB);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IsaAndTransposes))]
    public void OddAndTinyShapes_MatchOracle(string isaName, bool transA, bool transB)
    {
        KernelIsa isa = RequireIsa(isaName);
        var shapes = new List<(int M, int N, int K)>();
        for (int i = 0; i < s_dims.Length; i++)
        {
            shapes.Add((s_dims[i], s_dims[i], s_dims[i]));
            shapes.Add((s_dims[i], s_dims[(i + 5) % s_dims.Length], s_dims[(i + 9) % s_dims.Length]));
            shapes.Add((s_dims[(i + 3) % s_dims.Length], s_dims[i], s_dims[(i + 7) % s_dims.Length]));
        }

        // Around each kernel's tile (6×64, 6×16, 8×12, 4×4): exact, one over, and depths of 1 and 2.
        shapes.AddRange([(1, 1, 1), (1, 300, 17), (300, 1, 17), (6, 64, 1), (12, 128, 2), (13, 129, 3), (8, 12, 1), (16, 24, 2), (9, 13, 7)]);
        int index = 0;
        foreach ((int m, int n, int k) in shapes)
        {
            (float alpha, float beta) = s_scales[index % s_scales.Length];
            int pad = index % 3 == 0 ? 3 : 0;
            CheckAgainstOracle(isa, 1, transA, transB, m, n, k, alpha, beta, pad, seed: index);
            index++;
        }
    }

    [Theory]
    [MemberData(nameof(IsaAndTransposes))]
    public void MultiBlockShapes_MatchOracle_OnOneAndTwoThreads(string isaName, bool transA, bool transB)
    {
        KernelIsa isa = RequireIsa(isaName);

        // Larger than one MC, NC or KC block in some dimension, with partial tiles at every edge; (30, 790, 270)
        // crosses the 128-bit kernel's NC = 384 and KC = 256 with a partial panel in the last column block.
        (int M, int N, int K)[] shapes = [(200, 130, 600), (257, 193, 520), (97, 600, 129), (140, 70, 1100), (30, 790, 270)];
        int index = 0;
        foreach ((int m, int n, int k) in shapes)
        {
            (float alpha, float beta) = s_scales[index % s_scales.Length];
            int pad = index % 2 == 0 ? 5 : 0;
            float[] one = CheckAgainstOracle(isa, 1, transA, transB, m, n, k, alpha, beta, pad, seed: 100 + index, GemmPath.RowBlocks);
            float[] two = CheckAgainstOracle(isa, 2, transA, transB, m, n, k, alpha, beta, pad, seed: 100 + index, GemmPath.RowBlocks);

            // Threads split rows only, so every element sees the same operations in the same order.
            Assert.Equal(one, two);
            index++;
        }
    }

    [Theory]
    [InlineData(nameof(KernelIsa.Scalar))]
    [InlineData(nameof(KernelIsa.Vector128))]
    [InlineData(nameof(KernelIsa.Vector256))]
    [InlineData(nameof(KernelIsa.Vector512))]
    public void EveryScaleVariant_MatchesOracle(string isaName)
    {
        KernelIsa isa = RequireIsa(isaName);
        (float Alpha, float Beta)[] scales = [.. s_scales, (0.25f, -1f), (1f, 2f)];
        int index = 0;
        foreach ((float alpha, float beta) in scales)
        {
            CheckAgainstOracle(isa, 2, false, true, 70, 90, 300, alpha, beta, pad: 2, seed: 200 + index);
            CheckAgainstOracle(isa, 1, true, false, 23, 41, 57, alpha, beta, pad: 0, seed: 300 + index);
            index++;
        }
    }

    [Fact]
    public void PackedBLargerThanOneColumnBlock_MatchesOracle()
    {
        // k · n above the packed-B bound, so B is packed and consumed in several column blocks.
        CheckAgainstOracle(KernelIsas.Best, 2, false, false, 7, 2100, 4100, 1f, 0.5f, pad: 1, seed: 400);
        CheckAgainstOracle(KernelIsas.Best, 1, true, true, 5, 2100, 4100, 1f, 0f, pad: 0, seed: 401);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(0.5f)]
    public void ZeroDepth_ScalesC(float beta)
    {
        float[] c = Filled(4 * 5, beta == 0f ? float.NaN : 3f);
        Gemm.Sgemm(false, false, 4, 5, 0, 1f, [], 1, [], 5, beta, c, 5);
        Assert.All(c, v => Assert.Equal(beta == 0f ? 0f : 3f * beta, v));
    }

    [Fact]
    public void EmptyOutput_IsANoOp()
    {
        float[] c = [7f];
        Gemm.Sgemm(false, false, 0, 5, 3, 1f, [], 3, new float[15], 5, 0f, [], 5);
        Gemm.Sgemm(false, false, 1, 0, 3, 1f, new float[3], 3, [], 1, 0f, c, 1);
        Assert.Equal(7f, c[0]);
    }

    [Fact]
    public void PublicEntries_MatchOracle()
    {
        const int m = 150, n = 170, k = 190;
        var rng = new Random(500);
        float[] a = Random(rng, m * k), b = Random(rng, n * k);
        float[] expected = new float[m * n], c1 = Filled(m * n, float.NaN), c2 = Filled(m * n, float.NaN);
        GemmReference.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, expected, n);
        Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c1, n);
        Gemm.SgemmSingleThreaded(false, true, m, n, k, 1f, a, k, b, k, 0f, c2, n);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(c1[i] - expected[i]) <= 1e-4f, $"Sgemm element {i}: {c1[i]} vs {expected[i]}");
            Assert.True(Math.Abs(c2[i] - expected[i]) <= 1e-4f, $"SgemmSingleThreaded element {i}: {c2[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void BadArguments_ThrowNamingTheInput()
    {
        float[] a = new float[12], b = new float[12], c = new float[9];
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, -1, 3, 4, 1f, a, 4, b, 3, 0f, c, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 3, -1, 4, 1f, a, 4, b, 3, 0f, c, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 3, 3, -4, 1f, a, 4, b, 3, 0f, c, 3));
        Assert.Equal("lda", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a, 3, b, 3, 0f, c, 3)).ParamName);
        Assert.Equal("lda", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(true, false, 3, 3, 4, 1f, a, 2, b, 3, 0f, c, 3)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a, 4, b, 2, 0f, c, 3)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, true, 3, 3, 4, 1f, a, 4, b, 3, 0f, c, 3)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a, 4, b, 3, 0f, c, 2)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a.AsSpan(1), 4, b, 3, 0f, c, 3)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a, 4, b.AsSpan(1), 3, 0f, c, 3)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a, 4, b, 3, 0f, c.AsSpan(1), 3)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f, a, 4, b, 3, 0f, c, 4)).ParamName);
    }

    internal static KernelIsa RequireIsa(string name)
    {
        KernelIsa isa = Enum.Parse<KernelIsa>(name);
        if (!KernelIsas.IsSupported(isa))
        {
            Assert.Skip($"{isa} is not supported by this CPU.");
        }

        return isa;
    }

    // Runs one case on the forced path and checks every element of C against the double-precision oracle with
    // |c - ref| <= 1e-5 * (|alpha| Σp |a||b| + |beta c0|) + 1e-6. Returns C for cross-checks.
    internal static float[] CheckAgainstOracle(
        KernelIsa isa, int threads, bool transA, bool transB, int m, int n, int k, float alpha, float beta, int pad, int seed,
        GemmPath path = GemmPath.Auto)
    {
        var rng = new Random(seed);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        float[] a = Random(rng, Math.Max(0, (aRows * lda) - pad));
        float[] b = Random(rng, Math.Max(0, (bRows * ldb) - pad));
        float[] c0 = beta == 0f ? Filled((m * ldc) - pad, float.NaN) : Random(rng, (m * ldc) - pad);
        float[] expected = (float[])c0.Clone();
        float[] actual = (float[])c0.Clone();
        GemmReference.Sgemm(transA, transB, m, n, k, alpha, a, Math.Max(1, lda), b, Math.Max(1, ldb), beta, expected, ldc);
        Gemm.Sgemm(transA, transB, m, n, k, alpha, a, Math.Max(1, lda), b, Math.Max(1, ldb), beta, actual, ldc, isa, threads, path);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    float bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    magnitude += Math.Abs((double)av * bv);
                }

                int at = (i * ldc) + j;
                double prior = beta == 0f ? 0 : Math.Abs((double)beta * c0[at]);
                double tolerance = (1e-5 * ((Math.Abs(alpha) * magnitude) + prior)) + 1e-6;
                double error = Math.Abs((double)actual[at] - expected[at]);
                Assert.True(
                    error <= tolerance,
                    $"{isa} threads={threads} trans=({transA},{transB}) m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}: " +
                    $"C[{i},{j}] = {actual[at]}, oracle {expected[at]}, error {error:G3} > {tolerance:G3}");
            }

            // Padding between rows of C is not part of the output and must be untouched.
            for (int j = n; j < ldc && (i * ldc) + j < actual.Length; j++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(c0[(i * ldc) + j]), BitConverter.SingleToInt32Bits(actual[(i * ldc) + j]));
            }
        }

        return actual;
    }

    private static float[] Random(Random rng, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }

    private static float[] Filled(int count, float value)
    {
        float[] values = new float[count];
        Array.Fill(values, value);
        return values;
    }
}

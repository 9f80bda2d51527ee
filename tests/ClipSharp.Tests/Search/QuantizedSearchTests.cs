using System.Numerics.Tensors;
using ClipSharp.Search;
using ClipSharp.Search.Quantized;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Search;

public sealed class QuantizedSearchTests
{
    public static TheoryData<int> Widths => [1, 3, 63, 64, 65, 100, 512, 768];

    [Theory]
    [MemberData(nameof(Widths))]
    public void RotationPreservesInnerProducts(int dimension)
    {
        var rotation = new RandomizedHadamard(dimension, seed: 7);
        Assert.True(rotation.Padded >= Math.Max(dimension, 64));
        Assert.Equal(0, rotation.Padded & (rotation.Padded - 1));
        float[] v = RandomVectors.Normalised(6, dimension, seed: dimension);
        var rotated = new float[6 * rotation.Padded];
        for (int i = 0; i < 6; i++)
        {
            rotation.Rotate(v.AsSpan(i * dimension, dimension), rotated.AsSpan(i * rotation.Padded, rotation.Padded));
        }

        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 6; j++)
            {
                float before = TensorPrimitives.Dot(v.AsSpan(i * dimension, dimension), v.AsSpan(j * dimension, dimension));
                float after = TensorPrimitives.Dot(rotated.AsSpan(i * rotation.Padded, rotation.Padded), rotated.AsSpan(j * rotation.Padded, rotation.Padded));
                Assert.Equal(before, after, 1e-5f);
            }
        }
    }

    [Fact]
    public void WalshHadamardMatchesItsDefinition()
    {
        // H[i, j] = (−1)^popcount(i AND j): checked against the matrix product for every vector path's strides.
        for (int n = 1; n <= 128; n <<= 1)
        {
            float[] x = RandomVectors.Normalised(1, n, seed: n);
            float[] fast = (float[])x.Clone();
            RandomizedHadamard.WalshHadamard(fast);
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++)
                {
                    sum += (System.Numerics.BitOperations.PopCount((uint)(i & j)) % 2 == 0 ? 1 : -1) * x[j];
                }

                Assert.Equal(sum, fast[i], 1e-5);
            }
        }
    }

    // Counts across block tails (0..41 vectors) and widths whose words need the byte counters flushed (4096 bits).
    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(512)]
    [InlineData(2100)]
    public void ScanPathsAgreeWithTheReference(int dimension)
    {
        for (int count = 0; count <= 41; count += dimension > 512 ? 7 : 1)
        {
            float[] rows = RandomVectors.Normalised(count, dimension, seed: count + dimension);
            BinaryCodes codes = BinaryCodes.Build(rows, dimension, seed: 3);
            float[] query = RandomVectors.Normalised(1, dimension, seed: 99);
            var rotated = new float[codes.Rotation.Padded];
            codes.Rotation.Rotate(query, rotated);
            QueryCode code = QueryCode.Create(rotated);
            var vector = new ulong[BinaryCodes.Lanes];
            var scalar = new ulong[BinaryCodes.Lanes];
            for (int block = 0; block < codes.Blocks; block++)
            {
                BinaryScan.BlockSums(codes, code, block, vector, vector: true);
                BinaryScan.BlockSums(codes, code, block, scalar, vector: false);
                for (int lane = 0; lane < BinaryCodes.Lanes; lane++)
                {
                    int j = (block * BinaryCodes.Lanes) + lane;
                    long expected = j < count ? BinaryScanReference.Sum(codes, code, j) : 0;
                    Assert.Equal((ulong)expected, scalar[lane]);
                    Assert.Equal((ulong)expected, vector[lane]);
                }
            }

            var fromVector = new float[count];
            var fromScalar = new float[count];
            BinaryScan.Estimate(codes, code, 0, codes.Blocks, fromVector, vector: true);
            BinaryScan.Estimate(codes, code, 0, codes.Blocks, fromScalar, vector: false);
            Assert.Equal(fromScalar, fromVector);
        }
    }

    [Fact]
    public void MarginFilterSelectsWhatItsScalarTestPasses()
    {
        const int D = 64;
        float[] rows = RandomVectors.Normalised(300, D, seed: 91);
        BinaryCodes codes = BinaryCodes.Build(rows, D, seed: 9);
        var random = new Random(92);
        float[] estimates = [.. Enumerable.Range(0, 300).Select(_ => (float)((random.NextDouble() * 0.8) - 0.4))];
        estimates[17] = float.NegativeInfinity;
        var filter = new MarginFilter(bar: 0.2f, margin: 2f, queryNormSquared: 1f, roundingVariance: 1e-4f);
        for (int end = 0; end <= 300; end += 13)
        {
            for (int start = 0; start <= Math.Min(end, 40); start += 7)
            {
                var selected = new List<int>();
                filter.Select(codes, estimates, start, end, selected);
                Assert.Equal(Enumerable.Range(start, end - start).Where(j => filter.Passes(codes, estimates[j], j)), selected);
            }
        }

        var all = new List<int>();
        filter.Select(codes, estimates, 0, 300, all);
        Assert.DoesNotContain(17, all);
        Assert.InRange(all.Count, 1, 299);
    }

    [Fact]
    public void Int8DotMatchesADoubleSumAtEveryLength()
    {
        var random = new Random(61);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1))];
            sbyte[] y = [.. Enumerable.Range(0, n).Select(_ => (sbyte)random.Next(-127, 128))];
            double expected = 0;
            for (int i = 0; i < n; i++)
            {
                expected += x[i] * (double)y[i];
            }

            Assert.Equal(expected, Int8Dot.Dot(x, y), 1e-3);
        }

        Assert.Throws<ArgumentException>(() => Int8Dot.Dot(new float[3], new sbyte[4]));
    }

    [Fact]
    public void Int8RowsScoreCloseToTheFloatRows()
    {
        const int D = 512;
        float[] rows = RandomVectors.Normalised(200, D, seed: 71);
        float[] query = RandomVectors.Normalised(1, D, seed: 72);
        Int8Rows int8 = Int8Rows.Build(rows, D);
        for (int j = 0; j < 200; j++)
        {
            Assert.Equal(TensorPrimitives.Dot(query, rows.AsSpan(j * D, D)), int8.Dot(query, j), 2e-3f);
        }
    }

    [Fact]
    public void WithoutInt8RowsTheSameNeighboursAreFound()
    {
        const int D = 64, N = 3000;
        float[] rows = RandomVectors.Normalised(N, D, seed: 81);
        float[] queries = RandomVectors.Normalised(10, D, seed: 82);
        QuantizedSearch floats = QuantizedSearch.Build(rows, D, new QuantizedSettings { Int8Rows = false, Margin = 6 });
        QuantizedSearch int8 = QuantizedSearch.Build(rows, D, new QuantizedSettings { Margin = 6 });
        Assert.True(int8.CodeBytes > floats.CodeBytes);
        for (int q = 0; q < 10; q++)
        {
            Assert.Equal(floats.Search(queries.AsSpan(q * D, D), 10), int8.Search(queries.AsSpan(q * D, D), 10));
        }
    }

    [Fact]
    public void EstimateErrorsHaveTheSpreadTheMarginAssumes()
    {
        // The re-ranking bar trusts the modelled standard error: (estimate − truth) / σ must look like N(0, 1).
        const int D = 512, N = 4000, Q = 10;
        float[] rows = RandomVectors.Normalised(N, D, seed: 21);
        float[] queries = RandomVectors.Normalised(Q, D, seed: 22);
        BinaryCodes codes = BinaryCodes.Build(rows, D, seed: 5);
        double sum = 0, sumSquares = 0;
        var estimates = new float[N];
        var rotated = new float[codes.Rotation.Padded];
        for (int q = 0; q < Q; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * D, D);
            codes.Rotation.Rotate(query, rotated);
            QueryCode code = QueryCode.Create(rotated);
            BinaryScan.Estimate(codes, code, 0, codes.Blocks, estimates);
            for (int j = 0; j < N; j++)
            {
                float truth = TensorPrimitives.Dot(query, rows.AsSpan(j * D, D));
                double sigma = Math.Sqrt(codes.CodeVariances[j] + (codes.Scales[j] * codes.Scales[j] * code.Step * code.Step / 12));
                double z = (estimates[j] - truth) / sigma;
                sum += z;
                sumSquares += z * z;
            }
        }

        double mean = sum / (N * Q);
        double std = Math.Sqrt((sumSquares / (N * Q)) - (mean * mean));
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(std, 0.85, 1.1);
    }

    [Fact]
    public void RecallAgainstExactSearchIsHighOnUniformDirections()
    {
        const int D = 128, N = 20_000, Q = 50, K = 10;
        float[] rows = RandomVectors.Normalised(N, D, seed: 31);
        float[] queries = RandomVectors.Normalised(Q, D, seed: 32);
        QuantizedSearch engine = QuantizedSearch.Build(rows, D);
        Neighbor[][] truth = ExactSearch.SearchBatch(rows, D, queries, K);
        int found = 0;
        for (int q = 0; q < Q; q++)
        {
            Neighbor[] top = engine.Search(queries.AsSpan(q * D, D), K, out int reranked);
            Assert.Equal(K, top.Length);
            Assert.InRange(reranked, K, N / 4);
            for (int i = 0; i < top.Length; i++)
            {
                // Scores are exact, best first.
                Assert.Equal(TensorPrimitives.Dot(queries.AsSpan(q * D, D), rows.AsSpan(top[i].Index * D, D)), top[i].Score);
                Assert.True(i == 0 || top[i - 1].Score >= top[i].Score);
            }

            found += top.Count(n => truth[q].Any(t => t.Index == n.Index));
        }

        Assert.True(found >= 0.97 * Q * K, $"recall@{K} {found / (double)(Q * K):F3}");
    }

    [Fact]
    public void AWiderMarginFindsEverythingExactSearchFinds()
    {
        const int D = 64, N = 3000, K = 5;
        float[] rows = RandomVectors.Normalised(N, D, seed: 41);
        float[] queries = RandomVectors.Normalised(20, D, seed: 42);
        QuantizedSearch engine = QuantizedSearch.Build(rows, D, new QuantizedSettings { Margin = 6 });
        for (int q = 0; q < 20; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * D, D);
            Neighbor[] expected = ExactSearch.Search(rows, D, query, K);
            Neighbor[] actual = engine.Search(query, K);

            // Same rows in the same order; scores agree to rounding (a GEMM and a dot product sum in other orders).
            Assert.Equal(expected.Select(n => n.Index), actual.Select(n => n.Index));
            Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-6f));
        }
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        const int D = 64, N = 40_000;
        float[] rows = RandomVectors.Normalised(N, D, seed: 51);
        float[] queries = RandomVectors.Normalised(5, D, seed: 52);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            QuantizedSearch one = QuantizedSearch.Build(rows, D);
            Neighbor[][] single = [.. Enumerable.Range(0, 5).Select(q => one.Search(queries.AsSpan(q * D, D), 10))];
            Parallelism.MaxThreads = 3;
            QuantizedSearch three = QuantizedSearch.Build(rows, D);
            for (int q = 0; q < 5; q++)
            {
                Assert.Equal(single[q], three.Search(queries.AsSpan(q * D, D), 10));
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void SmallAndDegenerateInputs()
    {
        Assert.Empty(QuantizedSearch.Build(Array.Empty<float>(), 8).Search(new float[8], 3));

        // Fewer rows than k: all of them, exactly scored; a zero row is kept with score 0.
        float[] rows = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        QuantizedSearch engine = QuantizedSearch.Build(rows, 4);
        Neighbor[] top = engine.Search([0.6f, 0.8f, 0, 0], 10);
        Assert.Equal([new Neighbor(1, 0.8f), new Neighbor(0, 0.6f), new Neighbor(2, 0f)], top);

        Assert.Throws<ArgumentException>(() => engine.Search(new float[3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Search(new float[4], 0));
        Assert.Throws<ArgumentException>(() => QuantizedSearch.Build(new float[7], 4));
        Assert.Throws<ArgumentException>(() => QuantizedSearch.Build(rows, 4, new QuantizedSettings { Margin = float.NaN }));
    }
}

using System.Numerics.Tensors;
using ClipSharp.Search;

namespace ClipSharp.Tests.Search;

public sealed class ExactSearchTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(10, 5)]
    [InlineData(9000, 10)]
    public void MatchesANaiveScanAcrossBlockBoundaries(int count, int k)
    {
        const int D = 24;
        float[] rows = RandomVectors.Normalised(count, D, seed: 7);
        float[] queries = RandomVectors.Normalised(3, D, seed: 8);
        Neighbor[][] found = ExactSearch.SearchBatch(rows, D, queries, k);
        for (int q = 0; q < 3; q++)
        {
            float[] query = queries.AsSpan(q * D, D).ToArray();
            var naive = Enumerable.Range(0, count)
                .Select(i => (Index: i, Score: TensorPrimitives.Dot(query, rows.AsSpan(i * D, D))))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Index).Take(k).ToArray();
            Assert.Equal(naive.Length, found[q].Length);
            for (int i = 0; i < naive.Length; i++)
            {
                Assert.Equal(naive[i].Index, found[q][i].Index);
                Assert.Equal(naive[i].Score, found[q][i].Score, 1e-5f);
            }
        }
    }

    [Fact]
    public void KLargerThanTheRowsReturnsEveryRowBestFirst()
    {
        float[] rows = [1, 0, 0, 1, 0.6f, 0.8f];
        Neighbor[] found = ExactSearch.Search(rows, 2, [1, 0], 10);
        Assert.Equal([0, 2, 1], found.Select(n => n.Index));
    }

    [Fact]
    public void RejectsRaggedInput()
    {
        var e = Assert.Throws<ArgumentException>(() => ExactSearch.Search(new float[5], 2, [1, 0], 1));
        Assert.Contains("2-wide", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSearch.Search(new float[4], 2, [1, 0], 0));
    }
}

using ClipSharp.Search;

namespace ClipSharp.Tests.Search;

public sealed class HnswSearchTests
{
    private const int D = 32;
    private const int Threshold = 500;

    [Fact]
    public void HnswRecallAgainstExactIsHigh()
    {
        using var folder = new TempFolder("clipsharp-hnsw-");
        float[] vectors = RandomVectors.Normalised(4000, D, seed: 11);
        SearchIndexTests.Write(folder.Path, vectors, 0, 4000, Threshold);
        using SearchIndex index = SearchIndex.Open(folder.Path);
        Assert.Equal(SearchEngineKind.Hnsw, index.Engine);
        Assert.True(Recall(index, RandomVectors.Normalised(100, D, seed: 12), 10) >= 0.95);
    }

    [Fact]
    public void TheEngineCanBeChosenWhenOpening()
    {
        using var folder = new TempFolder("clipsharp-engine-");
        float[] vectors = RandomVectors.Normalised(1200, D, seed: 14);
        SearchIndexTests.Write(folder.Path, vectors, 0, 1200, Threshold);
        float[] queries = RandomVectors.Normalised(20, D, seed: 15);
        using SearchIndex auto = SearchIndex.Open(folder.Path);
        using SearchIndex exact = SearchIndex.Open(folder.Path, new SearchIndexOptions { Engine = SearchEngineKind.Exact });
        using SearchIndex quantized = SearchIndex.Open(folder.Path, new SearchIndexOptions
        {
            Engine = SearchEngineKind.Quantized,
            Quantized = new QuantizedSettings { Margin = 6 },
        });
        Assert.Equal(SearchEngineKind.Hnsw, auto.Engine);
        Assert.Equal(SearchEngineKind.Exact, exact.Engine);
        Assert.Equal(SearchEngineKind.Quantized, quantized.Engine);
        for (int q = 0; q < 20; q++)
        {
            ReadOnlySpan<float> query = queries.AsSpan(q * D, D);
            Assert.Equal(exact.SearchExact(query, 10), exact.Search(query, 10));
            Assert.Equal(exact.Search(query, 10).Select(h => h.Id), quantized.Search(query, 10).Select(h => h.Id));
        }

        // An index below the threshold has no graph to ask for.
        using var small = new TempFolder("clipsharp-engine-");
        SearchIndexTests.Write(small.Path, vectors, 0, 100, Threshold);
        var error = Assert.Throws<SearchIndexException>(() => SearchIndex.Open(small.Path, new SearchIndexOptions { Engine = SearchEngineKind.Hnsw }));
        Assert.Contains("no HNSW graph", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowsAddedAfterTheGraphAndDeletedRowsAreHandled()
    {
        using var folder = new TempFolder("clipsharp-hnsw-");
        float[] vectors = RandomVectors.Normalised(1500, D, seed: 13);
        SearchIndexTests.Write(folder.Path, vectors, 0, 1000, Threshold);

        // New rows without a graph update: the reader searches them exactly next to the graph.
        SearchIndexTests.Write(folder.Path, vectors, 1000, 1500, updateGraph: false);
        Assert.EndsWith("hnsw-1000.usearch", Assert.Single(Directory.GetFiles(folder.Path, "hnsw-*")), StringComparison.Ordinal);
        using (SearchIndex index = SearchIndex.Open(folder.Path))
        {
            Assert.Equal(SearchEngineKind.Hnsw, index.Engine);
            Assert.Equal("item1234", index.Search(vectors.AsSpan(1234 * D, D), 1)[0].Source);
        }

        // The next update extends the graph to every committed row.
        SearchIndexTests.Write(folder.Path, vectors, 0, 0);
        Assert.EndsWith("hnsw-1500.usearch", Assert.Single(Directory.GetFiles(folder.Path, "hnsw-*")), StringComparison.Ordinal);
        using (var writer = SearchIndexWriter.Open(folder.Path, "sha256:test-model", "test", D, EntryKind.Image))
        {
            writer.Remove(["item7"]);
        }

        using (SearchIndex index = SearchIndex.Open(folder.Path))
        {
            Assert.Equal(SearchEngineKind.Hnsw, index.Engine);
            Assert.Equal(1499, index.Count);
            Assert.Equal("item1234", index.Search(vectors.AsSpan(1234 * D, D), 1)[0].Source);
            Assert.DoesNotContain(index.Search(vectors.AsSpan(7 * D, D), 10), h => h.Source == "item7");
            Assert.True(Recall(index, RandomVectors.Normalised(50, D, seed: 14), 10) >= 0.95);
        }

        using (var writer = SearchIndexWriter.Open(folder.Path, "sha256:test-model", "test", D, EntryKind.Image))
        {
            writer.Commit([new PendingEntry("fresh", 1, 1, null, 0, 0, vectors.AsSpan(7 * D, D).ToArray())]);
        }

        using (SearchIndex index = SearchIndex.Open(folder.Path))
        {
            Assert.Equal("fresh", index.Search(vectors.AsSpan(7 * D, D), 1)[0].Source);
        }
    }

    [Fact]
    public void ConcurrentQueriesGiveTheSerialAnswers()
    {
        using var folder = new TempFolder("clipsharp-hnsw-");
        float[] vectors = RandomVectors.Normalised(2000, D, seed: 15);
        SearchIndexTests.Write(folder.Path, vectors, 0, 2000, Threshold);
        using SearchIndex index = SearchIndex.Open(folder.Path);
        float[] queries = RandomVectors.Normalised(64, D, seed: 16);
        var serial = Enumerable.Range(0, 64).Select(q => index.Search(queries.AsSpan(q * D, D), 10).Select(h => h.Id).ToArray()).ToArray();
        var parallel = new long[64][];
        Parallel.For(0, 64 * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int q = i % 64;
            parallel[q] = [.. index.Search(queries.AsSpan(q * D, D), 10).Select(h => h.Id)];
        });
        for (int q = 0; q < 64; q++)
        {
            Assert.Equal(serial[q], parallel[q]);
        }
    }

    private static double Recall(SearchIndex index, float[] queries, int k)
    {
        int hits = 0, total = 0;
        for (int q = 0; q < queries.Length / D; q++)
        {
            var exact = index.SearchExact(queries.AsSpan(q * D, D), k).Select(h => h.Id).ToHashSet();
            hits += index.Search(queries.AsSpan(q * D, D), k).Count(h => exact.Contains(h.Id));
            total += k;
        }

        return (double)hits / total;
    }
}

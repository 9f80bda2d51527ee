using ClipSharp.Search;

namespace ClipSharp.Tests.Search;

public sealed class SearchIndexTests
{
    private const int D = 32;
    private const string Model = "sha256:test-model";

    [Fact]
    public void CommittedEntriesReopenWithTheirEmbeddings()
    {
        using var folder = new TempFolder("clipsharp-index-");
        float[] vectors = RandomVectors.Normalised(20, D, seed: 1);
        Write(folder.Path, vectors, 0, 20);
        using SearchIndex index = SearchIndex.Open(folder.Path);
        Assert.Equal(20, index.Count);
        Assert.Equal(SearchEngineKind.Exact, index.Engine);
        Assert.Equal(Model, index.ModelId);
        IReadOnlyList<SearchHit> hits = index.Search(vectors.AsSpan(5 * D, D), 3);
        Assert.Equal("item5", hits[0].Source);
        Assert.Equal(1f, hits[0].Score, 1e-5f);
        Assert.Equal(vectors.AsSpan(5 * D, D).ToArray(), index.Embedding(hits[0].Id).ToArray());
    }

    [Fact]
    public void UncommittedSidecarRowsAreIgnoredAndCutByTheNextWriter()
    {
        using var folder = new TempFolder("clipsharp-index-");
        float[] vectors = RandomVectors.Normalised(10, D, seed: 2);
        Write(folder.Path, vectors, 0, 10);
        string sidecar = folder[EmbeddingSidecar.FileName];
        long committedLength = new FileInfo(sidecar).Length;

        // What a kill between the sidecar append and the catalog commit leaves: extra (here partial) rows.
        using (var f = new FileStream(sidecar, FileMode.Append))
        {
            f.Write(new byte[(D * 4 * 3) + 7]);
        }

        using (SearchIndex index = SearchIndex.Open(folder.Path))
        {
            Assert.Equal(10, index.Count);
        }

        using (var writer = SearchIndexWriter.Open(folder.Path, Model, "test", D, EntryKind.Image))
        {
            Assert.Equal(committedLength, new FileInfo(sidecar).Length);
            Assert.Equal(10, writer.Entries.Count);
        }
    }

    [Fact]
    public void ReplacingAnEntryKeepsOneRowPerSource()
    {
        using var folder = new TempFolder("clipsharp-index-");
        float[] vectors = RandomVectors.Normalised(4, D, seed: 3);
        Write(folder.Path, vectors, 0, 3);
        using (var writer = SearchIndexWriter.Open(folder.Path, Model, "test", D, EntryKind.Image))
        {
            writer.Commit([new PendingEntry("item1", 1, 1, null, 0, 0, vectors.AsSpan(3 * D, D).ToArray())]);
        }

        using SearchIndex index = SearchIndex.Open(folder.Path);
        Assert.Equal(3, index.Count);
        IReadOnlyList<SearchHit> hit = index.Search(vectors.AsSpan(3 * D, D), 1);
        Assert.Equal("item1", hit[0].Source);
        Assert.Equal(1f, hit[0].Score, 1e-5f);
    }

    [Fact]
    public void AnotherModelIsAClearError()
    {
        using var folder = new TempFolder("clipsharp-index-");
        Write(folder.Path, RandomVectors.Normalised(2, D, seed: 4), 0, 2);
        using SearchIndex index = SearchIndex.Open(folder.Path);
        var e = Assert.Throws<SearchIndexException>(() => index.RequireModel("sha256:other", "other-model"));
        Assert.Contains("test", e.Message, StringComparison.Ordinal);
        Assert.Contains("other-model", e.Message, StringComparison.Ordinal);
        var w = Assert.Throws<SearchIndexException>(() => SearchIndexWriter.Open(folder.Path, "sha256:other", "other-model", D, EntryKind.Image));
        Assert.Contains("other-model", w.Message, StringComparison.Ordinal);
        var kind = Assert.Throws<SearchIndexException>(() => SearchIndexWriter.Open(folder.Path, Model, "test", D, EntryKind.Text));
        Assert.Contains("image entries", kind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondWriterIsRefusedWhileReadersStillOpen()
    {
        using var folder = new TempFolder("clipsharp-index-");
        Write(folder.Path, RandomVectors.Normalised(3, D, seed: 5), 0, 3);
        using var writer = SearchIndexWriter.Open(folder.Path, Model, "test", D, EntryKind.Image);
        var e = Assert.Throws<SearchIndexException>(() => SearchIndexWriter.Open(folder.Path, Model, "test", D, EntryKind.Image));
        Assert.Contains("another process", e.Message, StringComparison.Ordinal);
        writer.Commit([new PendingEntry("late", 1, 1, null, 0, 0, RandomVectors.Normalised(1, D, seed: 6))]);
        using SearchIndex index = SearchIndex.Open(folder.Path);
        Assert.Equal(4, index.Count);
    }

    [Fact]
    public void MissingIndexAndBadQueriesAreClearErrors()
    {
        using var folder = new TempFolder("clipsharp-index-");
        Assert.Contains("no index", Assert.Throws<SearchIndexException>(() => SearchIndex.Open(folder["nothing"])).Message, StringComparison.Ordinal);
        Assert.Contains("no index", Assert.Throws<SearchIndexException>(() => SearchIndex.Open(folder.Path)).Message, StringComparison.Ordinal);
        Write(folder.Path, RandomVectors.Normalised(2, D, seed: 4), 0, 2);
        using SearchIndex index = SearchIndex.Open(folder.Path);
        Assert.Contains("32-wide", Assert.Throws<ArgumentException>(() => index.Search(new float[3], 1)).Message, StringComparison.Ordinal);
        Assert.Contains("zero", Assert.Throws<ArgumentException>(() => index.Search(new float[D], 1)).Message, StringComparison.Ordinal);
    }

    internal static void Write(string folder, float[] vectors, int from, int to, int? exactThreshold = null, bool updateGraph = true)
    {
        using var writer = SearchIndexWriter.Open(folder, Model, "test", D, EntryKind.Image);
        var batch = new List<PendingEntry>();
        for (int i = from; i < to; i++)
        {
            batch.Add(new PendingEntry($"item{i}", i, i, null, 0, 0, vectors.AsSpan(i * D, D).ToArray()));
        }

        writer.Commit(batch);
        if (updateGraph)
        {
            writer.UpdateGraph(exactThreshold);
        }
    }
}

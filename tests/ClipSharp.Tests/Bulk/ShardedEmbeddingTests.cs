using ClipSharp.Bulk;
using ClipSharp.Distributed;
using ClipSharp.Search;
using ClipSharp.Tests.Distributed;
using ClipSharp.Tests.Search;

namespace ClipSharp.Tests.Bulk;

/// <summary>In-process ranks (threads with real collectives): the shares of a job are exactly one process's work.</summary>
public sealed class ShardedEmbeddingTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TheSharesOfAJobAreOneProcessesEmbeddingsBitForBit(int ranks)
    {
        using var root = new TempFolder("clipsharp-bulk-");
        List<string> images = GeneratedImages.WriteFolder(root["photos"], 7);
        File.WriteAllText(root["broken.png"], "not a png");
        List<EmbeddingInput> inputs =
        [
            .. images.Take(3).Select(p => new EmbeddingInput(p, EmbeddingKind.Image)),
            new(root["broken.png"], EmbeddingKind.Image),
            new("a photo of a cat", EmbeddingKind.Text),
            .. images.Skip(3).Select(p => new EmbeddingInput(p, EmbeddingKind.Image)),
            new("two dogs", EmbeddingKind.Text),
        ];
        IReadOnlyList<EmbeddingResult> one = BulkEmbedder.Create(TinyClip.Instance).EmbedAll(inputs, cancellation: TestContext.Current.CancellationToken);

        var jobs = ThreadGroup.Run(ranks, c =>
        {
            var embedder = BulkEmbedder.Create(TinyClip.Instance, c);
            return (Share: embedder.EmbedShare(inputs), All: embedder.EmbedAll(inputs));
        });

        AssertSame(one, [.. jobs.SelectMany(j => j.Share)]);
        Assert.All(jobs, j => AssertSame(one, j.All));
    }

    [Fact]
    public void TwoRanksBuildTheIndexOneProcessBuildsAndARerunEmbedsOnlyWhatIsMissing()
    {
        using var root = new TempFolder("clipsharp-bulk-");
        string photos = root["photos"];
        List<string> images = GeneratedImages.WriteFolder(photos, 11);
        (List<string> files, List<string> outside) = FolderScanner.Scan(photos);
        new ImageIndexer(TinyClip.Instance) { BatchSize = 4 }.Add(root["one"], files, outside, cancellation: TestContext.Current.CancellationToken);

        // A first run that got through part of the folder, then the whole folder: only the rest is embedded.
        IndexAddSummary[] first = ThreadGroup.Run(2, c => Indexer(c).Add(root["two"], c.Rank == 0 ? files.Take(5).ToList() : [], []));
        Assert.Equal((5, 5), (first[0].Added, first[0].Total));
        IndexAddSummary[] second = ThreadGroup.Run(2, c => Indexer(c).Add(root["two"], c.Rank == 0 ? files : [], []));
        Assert.Equal((6, 0, 5, 11), (second[0].Added, second[0].Updated, second[0].Unchanged, second[0].Total));

        using SearchIndex expected = SearchIndex.Open(root["one"]);
        using SearchIndex actual = SearchIndex.Open(root["two"]);
        Assert.Equal(images.Order(StringComparer.Ordinal), actual.Entries.Select(e => e.Source).Order(StringComparer.Ordinal));
        foreach (IndexEntry e in expected.Entries)
        {
            IndexEntry twin = actual.Entries.Single(a => a.Source == e.Source);
            Assert.Equal(expected.Embedding(e.Id).ToArray(), actual.Embedding(twin.Id).ToArray());
        }

        static ImageIndexer Indexer(ICommunicator c) => new(TinyClip.Instance) { BatchSize = 2, Communicator = c };
    }

    private static void AssertSame(IReadOnlyList<EmbeddingResult> expected, IReadOnlyList<EmbeddingResult> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Input, expected[i].Kind, expected[i].Error), (actual[i].Input, actual[i].Kind, actual[i].Error));
            Assert.Equal(expected[i].Embedding, actual[i].Embedding);
        }
    }
}

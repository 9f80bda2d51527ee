using ClipSharp.Search;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Search;

public sealed class ImageIndexerTests
{
    [Fact]
    public void IndexesAFolderAndSkipsBadFilesAndOutsideLinks()
    {
        using var root = new TempFolder("clipsharp-images-");
        using var outside = new TempFolder("clipsharp-outside-");
        string photos = Directory.CreateDirectory(root["photos"]).FullName;
        List<string> images = GeneratedImages.WriteFolder(photos, 12);
        File.WriteAllText(Path.Combine(photos, "broken.png"), "not a png");
        File.WriteAllText(Path.Combine(photos, "notes.txt"), "ignored: not an image extension");
        File.WriteAllBytes(outside["elsewhere.png"], GeneratedImages.Png(500));
        File.CreateSymbolicLink(Path.Combine(photos, "link-out.png"), outside["elsewhere.png"]);
        File.CreateSymbolicLink(Path.Combine(photos, "link-in.png"), images[0]);
        Directory.CreateSymbolicLink(Path.Combine(photos, "loop"), photos);

        var indexer = new ImageIndexer(TinyClip.Instance) { BatchSize = 5 };
        IndexAddSummary summary = indexer.Add(root["index"], photos, null, TestContext.Current.CancellationToken);
        Assert.Equal(13, summary.Scanned);
        Assert.Equal(12, summary.Added);
        Assert.Equal(12, summary.Total);
        Assert.Equal(Path.Combine(photos, "broken.png"), Assert.Single(summary.Skipped).Path);
        Assert.Equal(Path.Combine(photos, "link-out.png"), Assert.Single(summary.OutsideLinks));

        using SearchIndex index = SearchIndex.Open(root["index"]);
        Assert.Equal(12, index.Count);
        index.RequireModel(ModelIdentity.Compute(TinyClip.Instance), "tiny");
        IndexEntry entry = index.Entries.Single(e => e.Source == images[3]);
        Assert.Equal((40, 40), (entry.Width, entry.Height));
        Assert.NotNull(entry.Hash);

        float[] query = TinyClip.Instance.EncodeImageFiles([images[3]], cancellation: TestContext.Current.CancellationToken)[0].Embedding!;
        SearchHit best = index.Search(query, 3)[0];
        Assert.Equal(images[3], best.Source);
        Assert.Equal(1f, best.Score, 1e-4f);
    }

    [Fact]
    public void ReRunsSkipUnchangedFilesReEmbedChangedOnesAndSyncDropsDeletedOnes()
    {
        using var root = new TempFolder("clipsharp-images-");
        string photos = Directory.CreateDirectory(root["photos"]).FullName;
        List<string> images = GeneratedImages.WriteFolder(photos, 8);
        var indexer = new ImageIndexer(TinyClip.Instance);
        indexer.Add(root["index"], photos, null, TestContext.Current.CancellationToken);

        IndexAddSummary again = indexer.Add(root["index"], photos, null, TestContext.Current.CancellationToken);
        Assert.Equal((0, 0, 8), (again.Added, again.Updated, again.Unchanged));

        // Same bytes, new mtime: settled by the hash. New bytes of the same size would be a change.
        File.SetLastWriteTimeUtc(images[1], DateTime.UtcNow.AddHours(-3));
        File.WriteAllBytes(images[2], GeneratedImages.Png(1000));
        File.Delete(images[4]);
        IndexAddSummary third = indexer.Add(root["index"], photos, null, TestContext.Current.CancellationToken);
        Assert.Equal((0, 1, 6), (third.Added, third.Updated, third.Unchanged));
        Assert.Equal(8, third.Total);
        Assert.Equal((0, 0, 7), (indexer.Add(root["index"], photos, null, TestContext.Current.CancellationToken) is var fourth ? (fourth.Added, fourth.Updated, fourth.Unchanged) : default));

        Assert.Equal(1, ImageIndexer.Sync(root["index"]));
        using SearchIndex index = SearchIndex.Open(root["index"]);
        Assert.Equal(7, index.Count);
        Assert.DoesNotContain(index.Entries, e => e.Source == images[4]);
        Assert.Equal(index.Count, index.Entries.Select(e => e.Source).Distinct().Count());
        float[] changed = TinyClip.Instance.EncodeImageFiles([images[2]], cancellation: TestContext.Current.CancellationToken)[0].Embedding!;
        Assert.Equal(images[2], index.Search(changed, 1)[0].Source);
        Assert.Equal(1f, index.Search(changed, 1)[0].Score, 1e-4f);
    }

    [Fact]
    public void AnotherModelCannotWriteOrQueryTheIndex()
    {
        using var root = new TempFolder("clipsharp-images-");
        string photos = Directory.CreateDirectory(root["photos"]).FullName;
        GeneratedImages.WriteFolder(photos, 2);
        new ImageIndexer(TinyClip.Instance).Add(root["index"], photos, null, TestContext.Current.CancellationToken);
        Clip other = TinyClip.Other();
        string otherId = ModelIdentity.Compute(other);
        Assert.NotEqual(ModelIdentity.Compute(TinyClip.Instance), otherId);
        Assert.Equal(ModelIdentity.Compute(TinyClip.Instance), ModelIdentity.Compute(Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken)));
        var e = Assert.Throws<SearchIndexException>(() => new ImageIndexer(other).Add(root["index"], photos, null, TestContext.Current.CancellationToken));
        Assert.Contains("other-tiny", e.Message, StringComparison.Ordinal);
        using SearchIndex index = SearchIndex.Open(root["index"]);
        Assert.Throws<SearchIndexException>(() => index.RequireModel(otherId, other.Name));
    }

    [Fact]
    public void CaptionIndexRanksCaptionsForAnImage()
    {
        using var root = new TempFolder("clipsharp-captions-");
        string[] captions = ["a red square", "a blue circle", "a green field", "a red square"];
        Assert.Equal(3, CaptionIndexer.Add(TinyClip.Instance, root["captions"], captions));
        Assert.Equal(0, CaptionIndexer.Add(TinyClip.Instance, root["captions"], captions));
        using SearchIndex index = SearchIndex.Open(root["captions"]);
        Assert.Equal(EntryKind.Text, index.Kind);
        float[] image = TinyClip.Instance.EncodeImages([ClipSharp.Imaging.ImageDecoder.Decode(GeneratedImages.Png(3), "generated")]).Span.ToArray();
        float[] texts = TinyClip.Instance.EncodeTexts(["a red square", "a blue circle", "a green field"]).Span.ToArray();
        Neighbor[] exact = ExactSearch.Search(texts, TinyClip.Instance.EmbedDim, image, 3);
        Assert.Equal(exact.Select(n => new[] { "a red square", "a blue circle", "a green field" }[n.Index]), index.Search(image, 3).Select(h => h.Source));
    }
}

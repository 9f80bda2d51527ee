using ClipSharp.Bulk;
using ClipSharp.Data;
using ClipSharp.Testing;
using ClipSharp.Tests.Distributed;
using ClipSharp.Tests.Search;

namespace ClipSharp.Tests.Bulk;

/// <summary>
/// Images from their sources, and webdataset shards embedded over a job: the shares of whole shards, gathered in
/// rank order, are one process's samples, key for key and bit for bit.
/// </summary>
public sealed class SampleEmbeddingTests
{
    [Fact]
    public void ImageSourcesEmbedAsTheirFilesDoAndABrokenSourceFailsAlone()
    {
        using var root = new TempFolder("clipsharp-sources-");
        List<string> files = GeneratedImages.WriteFolder(root["photos"], 5);
        ImageSource[] sources =
        [
            .. files.Take(2).Select(ImageSource.FromFile),
            ImageSource.FromEncoded("archive.tar:broken.png", () => [1, 2, 3]),
            ImageSource.FromEncoded("archive.tar:gone.png", () => throw new FileNotFoundException("archive.tar: not found")),
            .. files.Skip(2).Select(f => ImageSource.FromEncoded(f + ":bytes", () => File.ReadAllBytes(f))),
        ];

        IReadOnlyList<EmbeddingResult> fromSources = TinyClip.Instance.EncodeImageSources(sources, cancellation: TestContext.Current.CancellationToken);
        IReadOnlyList<EmbeddingResult> fromFiles = TinyClip.Instance.EncodeImageFiles(files, cancellation: TestContext.Current.CancellationToken);

        Assert.Equal(sources.Select(s => s.Name), fromSources.Select(r => r.Input));
        Assert.Equal([true, true, false, false, true, true, true], fromSources.Select(r => r.Success));
        Assert.Contains("not found", fromSources[3].Error, StringComparison.Ordinal);
        EmbeddingResult[] good = [.. fromSources.Where(r => r.Success)];
        for (int i = 0; i < files.Count; i++)
        {
            Assert.Equal(Bits(fromFiles[i].Embedding!), Bits(good[i].Embedding!));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksTakeWholeShardsAndTheGatheredSamplesAreOneProcesses(int ranks)
    {
        using var root = new TempFolder("clipsharp-shards-");
        List<string> shards = WebDatasetShards.Write(root["shards"], 4, 3, uncaptioned: true);
        SampleEmbeddings one = BulkEmbedder.EmbedSamples(TinyClip.Instance, WebDatasetSource.Load(shards), cancellation: TestContext.Current.CancellationToken);
        Assert.Equal(12, one.Samples.Count);
        Assert.Equal(4, one.Skipped.Count);

        var jobs = ThreadGroup.Run(ranks, c =>
        {
            var embedder = BulkEmbedder.Create(TinyClip.Instance, c);

            // Only rank 0's list counts: the others pass none and still get their shards.
            IReadOnlyList<string> mine = embedder.TakeShards(c.Rank == 0 ? shards : []);
            SampleEmbeddings share = mine.Count == 0 ? SampleEmbeddings.Empty : BulkEmbedder.EmbedSamples(TinyClip.Instance, WebDatasetSource.Load(mine));
            return (Mine: mine, All: embedder.GatherSamples(share));
        });

        Assert.Equal(shards, jobs.SelectMany(j => j.Mine));
        Assert.All(jobs, j => AssertSame(one, j.All));
    }

    [Fact]
    public void SamplesAreWrittenWithTheirImageKeyAndCaption()
    {
        using var root = new TempFolder("clipsharp-samples-");
        float[] a = [0.5f, -1f];
        float[] c = [2f, 0.25f];
        SampleEmbedding[] samples =
        [
            new("shard-000.tar/a", "a red star", EmbeddingResult.Succeeded("shard-000.tar:a.png", EmbeddingKind.Image, a)),
            new("shard-000.tar/b", "a blue ring", EmbeddingResult.Failed("shard-000.tar:b.png", EmbeddingKind.Image, "not an image")),
            new("shard-001.tar/c", "two dogs", EmbeddingResult.Succeeded("shard-001.tar:c.jpg", EmbeddingKind.Image, c)),
        ];

        Assert.Equal(2, ClipRetrievalOutput.WriteSamples(root.Path, 1, samples, 2, EmbeddingPrecision.Float32));

        (float[] values, int rows, _, _) = NpyTestFile.Read(ClipRetrievalOutput.ImageEmbeddings(root.Path, 1));
        Assert.Equal(2, rows);
        Assert.Equal([.. a, .. c], values);
        string metadata = ClipRetrievalOutput.Metadata(root.Path, 1);
        Assert.Equal(["shard-000.tar:a.png", "shard-001.tar:c.jpg"], ParquetTestFile.ReadStrings(metadata, ClipRetrievalOutput.ImagePathColumn));
        Assert.Equal(["shard-000.tar/a", "shard-001.tar/c"], ParquetTestFile.ReadStrings(metadata, ClipRetrievalOutput.KeyColumn));
        Assert.Equal(["a red star", "two dogs"], ParquetTestFile.ReadStrings(metadata, ClipRetrievalOutput.CaptionColumn));

        SampleEmbedding text = new("k", "c", EmbeddingResult.Succeeded("c", EmbeddingKind.Text, a));
        Assert.Throws<ArgumentException>(() => ClipRetrievalOutput.WriteSamples(root["other"], 0, [text], 2, EmbeddingPrecision.Float32));
    }

    private static void AssertSame(SampleEmbeddings expected, SampleEmbeddings actual)
    {
        Assert.Equal(expected.Samples.Select(s => (s.Key, s.Caption, s.Result.Input)), actual.Samples.Select(s => (s.Key, s.Caption, s.Result.Input)));
        Assert.Equal(expected.Skipped, actual.Skipped);
        for (int i = 0; i < expected.Samples.Count; i++)
        {
            Assert.Equal(Bits(expected.Samples[i].Result.Embedding!), Bits(actual.Samples[i].Result.Embedding!));
        }
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}

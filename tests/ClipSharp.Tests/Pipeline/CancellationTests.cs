using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Search;
using ClipSharp.Testing;
using ClipSharp.Tests.Search;

namespace ClipSharp.Tests.Pipeline;

/// <summary>A cancelled token stops the long calls where they are, not after the work is done.</summary>
public sealed class CancellationTests
{
    [Fact]
    public void LoadStopsOnACancelledToken()
    {
        Assert.Throws<OperationCanceledException>(() => Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void LoadStopsBetweenTensorsOnceCancelled()
    {
        // The header is read; the token is cancelled before the first tensor is: no tensor is read.
        using var cancel = new CancellationTokenSource();
        ClipCheckpoint checkpoint = ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab, deferWeights: true, cancel.Token);
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => ClipModel.FromStateDictForInference(checkpoint.Config, checkpoint.StateDict));
    }

    [Fact]
    public void EncodeImageFilesStopsAtTheNextBatch()
    {
        Clip loaded = TinyClip.Instance;
        var clip = new Clip(loaded.Model, loaded.Tokenizer, loaded.ImageTransform, loaded.Name) { ImageBatchSize = 2 };
        string image = Fixtures.GoldenPath("preprocess", "gray_333x250.png");
        using var cancel = new CancellationTokenSource();
        var reports = new List<int>();
        var progress = new Reporter<int>(done =>
        {
            reports.Add(done);
            cancel.Cancel();
        });
        Assert.Throws<OperationCanceledException>(() => clip.EncodeImageFiles([image, image, image, image, image, image], progress: progress, cancellation: cancel.Token));
        Assert.Equal([2], reports);
    }

    [Fact]
    public void ACancelledIndexAddKeepsTheBatchesItCommitted()
    {
        using var root = new TempFolder("clipsharp-cancel-");
        string photos = Directory.CreateDirectory(root["photos"]).FullName;
        GeneratedImages.WriteFolder(photos, 12);
        using var cancel = new CancellationTokenSource();
        var indexer = new ImageIndexer(TinyClip.Instance) { BatchSize = 4 };
        var progress = new Reporter<IndexProgress>(p =>
        {
            if (p.Done >= 8)
            {
                cancel.Cancel();
            }
        });

        Assert.Throws<OperationCanceledException>(() => indexer.Add(root["index"], photos, progress, cancel.Token));
        using (SearchIndex partial = SearchIndex.Open(root["index"]))
        {
            Assert.Equal(8, partial.Count);
        }

        IndexAddSummary rest = indexer.Add(root["index"], photos, null, TestContext.Current.CancellationToken);
        Assert.Equal((4, 8, 12), (rest.Added, rest.Unchanged, rest.Total));
    }

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;
using ClipSharp.Text;

namespace ClipSharp.Tests.Data;

public sealed class ClipDataLoaderTests
{
    private const int Context = 16;
    private static readonly Lazy<ClipTokenizer> s_tokenizer = new(() => ClipTokenizer.Create(Fixtures.TinyVocab));

    private static ClipDataLoader Loader(CaptionDataset data, long seed, int batch = 8, int? workers = null, bool dropLast = false, IPixelTransform? transform = null) =>
        new(data, s_tokenizer.Value, transform ?? new RandomResizedCrop(32), new DataLoaderOptions
        {
            BatchSize = batch,
            Seed = seed,
            ContextLength = Context,
            Workers = workers,
            DropLast = dropLast,
        });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CaptionDataset Synthetic(int count) => SyntheticCorpus.TrainingDataset(seed: 5, count);

    [Fact]
    public void SameSeedGivesIdenticalBatchesWhateverTheWorkerCount()
    {
        CaptionDataset data = Synthetic(30);
        ClipBatch[] one = [.. Loader(data, seed: 1, workers: 1).Read(endEpoch: 2, cancellationToken: Ct)];
        ClipBatch[] four = [.. Loader(data, seed: 1, workers: 4).Read(endEpoch: 2, cancellationToken: Ct)];

        Assert.Equal(8, one.Length); // 4 batches per epoch (8, 8, 8, 6), two epochs
        Assert.Equal([8, 8, 8, 6, 8, 8, 8, 6], one.Select(b => b.Count));
        for (int i = 0; i < one.Length; i++)
        {
            Assert.Equal(one[i].Keys, four[i].Keys);
            Assert.Equal(one[i].Pixels, four[i].Pixels);
            Assert.Equal(one[i].Tokens, four[i].Tokens);
            Assert.Equal(one[i].Position, four[i].Position);
        }
    }

    [Fact]
    public void SeedAndEpochChangeTheOrderAndEveryEpochVisitsEverySampleOnce()
    {
        CaptionDataset data = Synthetic(40);
        ClipDataLoader a = Loader(data, seed: 1), b = Loader(data, seed: 2);

        Assert.NotEqual(a.EpochOrder(0), b.EpochOrder(0));
        Assert.NotEqual(a.EpochOrder(0), a.EpochOrder(1));
        Assert.Equal(Enumerable.Range(0, 40), a.EpochOrder(1).Order());
        string[] epoch = [.. a.Read(endEpoch: 1, cancellationToken: Ct).SelectMany(x => x.Keys)];
        Assert.Equal(data.Samples.Select(s => s.Key).Order(StringComparer.Ordinal), epoch.Order(StringComparer.Ordinal));
        Assert.Equal(a.EpochOrder(0).Select(i => data.Samples[i].Key), epoch);
    }

    [Fact]
    public void ResumingFromAPositionYieldsWhatTheUninterruptedRunYields()
    {
        CaptionDataset data = Synthetic(20);
        ClipBatch[] full = [.. Loader(data, seed: 3, batch: 6).Read(endEpoch: 3, cancellationToken: Ct)];
        // Stop after the fifth batch (mid second epoch), then continue from its Next with a fresh loader.
        DataPosition resume = full[4].Next;
        Assert.Equal(new DataPosition(1, 1), resume);
        ClipBatch[] resumed = [.. Loader(data, seed: 3, batch: 6).Read(resume, endEpoch: 3, Ct)];

        Assert.Equal(full.Length - 5, resumed.Length);
        for (int i = 0; i < resumed.Length; i++)
        {
            Assert.Equal(full[5 + i].Position, resumed[i].Position);
            Assert.Equal(full[5 + i].Keys, resumed[i].Keys);
            Assert.Equal(full[5 + i].Pixels, resumed[i].Pixels);
        }

        ClipBatch single = Loader(data, seed: 3, batch: 6).LoadBatch(new DataPosition(2, 3), Ct);
        Assert.Equal(full[^1].Pixels, single.Pixels);
    }

    [Fact]
    public void BatchesHoldTransformedPixelsAndTokenRowsOfTheirSamples()
    {
        CaptionDataset data = Synthetic(10);
        var transform = new RandomResizedCrop(40);
        ClipDataLoader loader = Loader(data, seed: 9, batch: 4, transform: transform);
        ClipBatch batch = loader.LoadBatch(new DataPosition(0, 1), Ct);

        Assert.Equal(4 * 3 * 40 * 40, batch.Pixels.Length);
        Assert.Equal(4 * Context, batch.Tokens.Length);
        Assert.Equal([4, 3, 40, 40], batch.Images.Shape.ToArray());
        for (int i = 0; i < batch.Count; i++)
        {
            int index = loader.EpochOrder(0)[4 + i];
            CaptionedSample s = data.Samples[index];
            Assert.Equal(s.Key, batch.Keys[i]);
            Assert.Equal(s.Caption, batch.Captions[i]);
            Assert.Equal(s_tokenizer.Value.Tokenize(s.Caption, Context), batch.Tokens.AsSpan(i * Context, Context).ToArray());
            var expected = new float[3 * 40 * 40];
            transform.Apply(s.Image.Decode(), DataRandom.Mix(9, 0, index), expected);
            Assert.Equal(expected, batch.Pixels.AsSpan(i * expected.Length, expected.Length).ToArray());
        }
    }

    [Fact]
    public void BatchesFeedBothTowersOfTheTinyModel()
    {
        Clip clip = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        var loader = new ClipDataLoader(Synthetic(6), clip.Tokenizer, new RandomResizedCrop(clip.ImageTransform.Resolution), new DataLoaderOptions
        {
            BatchSize = 6,
            ContextLength = clip.Model.Config.ContextLength,
        });
        ClipBatch batch = loader.LoadBatch(DataPosition.Start, Ct);

        Tensor images = clip.Model.EncodeImage(batch.Images);
        Tensor texts = clip.Model.EncodeText(batch.Tokens, batch.Count);

        Assert.Equal([6, clip.EmbedDim], images.Shape.ToArray());
        Assert.Equal([6, clip.EmbedDim], texts.Shape.ToArray());
        Assert.All(images.ToArray().Concat(texts.ToArray()), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void DropLastLeavesOutTheShortBatch()
    {
        CaptionDataset data = Synthetic(20);
        Assert.Equal(4, Loader(data, seed: 0, batch: 6).BatchesPerEpoch);
        ClipDataLoader dropping = Loader(data, seed: 0, batch: 6, dropLast: true);
        Assert.Equal(3, dropping.BatchesPerEpoch);
        Assert.All(dropping.Read(endEpoch: 2, cancellationToken: Ct), b => Assert.Equal(6, b.Count));
        Assert.Throws<ArgumentException>(() => Loader(Synthetic(3), seed: 0, batch: 6, dropLast: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => dropping.LoadBatch(new DataPosition(0, 3), Ct));
    }

    [Fact]
    public void BadSamplesAreSkippedCountedAndNeverStopTheRun()
    {
        using var temp = new TempFolder();
        var lines = new List<string> { "image,caption" };
        for (int i = 0; i < 10; i++)
        {
            DataFiles.WritePng(temp.Path, $"{i}.png", tone: (byte)(i * 10));
            lines.Add($"{i}.png,picture number {i}");
        }

        File.WriteAllBytes(temp.File("3.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]); // truncated
        File.Delete(temp.File("7.png"));
        lines.Add("8.png,");                  // empty caption: skipped when listed
        lines.Add("9.png,\u0007\u0001");      // nothing left after cleaning: skipped when tokenized
        File.WriteAllLines(temp.File("d.csv"), lines);

        CaptionDataset data = CsvCaptionSource.Load(temp.File("d.csv"));
        ClipDataLoader loader = Loader(data, seed: 4, batch: 4);
        ClipBatch[] batches = [.. loader.Read(endEpoch: 2, cancellationToken: Ct)];

        Assert.Equal(11, data.Count);
        Assert.Equal(6, batches.Length);
        Assert.Equal(16, batches.Sum(b => b.Count)); // 8 good samples per epoch
        Assert.All(batches, b => Assert.Equal(b.Count * 3 * 32 * 32, b.Pixels.Length));
        IReadOnlyList<BadSample> bad = loader.BadSamples.Samples;
        Assert.Equal(["d.csv:12", "d.csv:13", "d.csv:5", "d.csv:9"], bad.Select(b => b.Key).Order(StringComparer.Ordinal));
        Assert.Equal(1 + (3 * 2), loader.BadSamples.SkipCount); // listed once, the others once per epoch
        IReadOnlyDictionary<string, int> reasons = loader.BadSamples.CountsByReason;
        Assert.Equal(2, reasons["unreadable image"]);
        Assert.Equal(1, reasons["empty caption"]);
        Assert.Equal(1, reasons["empty caption (nothing left after cleaning)"]);
        Assert.Contains(bad, b => b.Key == "d.csv:5" && b.Source.EndsWith("3.png", StringComparison.Ordinal));
    }

    [Fact]
    public void PrefetchIsBounded()
    {
        CaptionDataset data = Synthetic(200);
        var counting = new CountingTransform(new RandomResizedCrop(32));
        var loader = new ClipDataLoader(data, s_tokenizer.Value, counting, new DataLoaderOptions
        {
            BatchSize = 4,
            ContextLength = Context,
            Prefetch = 2,
            Workers = 2,
        });

        using IEnumerator<ClipBatch> reader = loader.Read(endEpoch: 1, cancellationToken: Ct).GetEnumerator();
        Assert.True(reader.MoveNext());
        // Let the producer run until it blocks: the count stops changing once the prefetch queue is full.
        int last = -1;
        for (int tries = 0; tries < 200 && counting.Calls != last; tries++)
        {
            last = counting.Calls;
            Thread.Sleep(50);
        }

        // Taken: 1 batch; ahead: at most Prefetch waiting and 1 being prepared = at most 4 batches of 4 samples.
        Assert.InRange(counting.Calls, 4, 4 * 4);
        int more = 0;
        while (reader.MoveNext())
        {
            more++;
        }

        Assert.Equal(49, more);
        Assert.Equal(200, counting.Calls);
    }

    [Fact]
    public void AbandoningTheReaderStopsTheProducer()
    {
        CaptionDataset data = Synthetic(64);
        var counting = new CountingTransform(new RandomResizedCrop(32));
        var loader = new ClipDataLoader(data, s_tokenizer.Value, counting, new DataLoaderOptions { BatchSize = 4, ContextLength = Context });
        ClipBatch first = loader.Read(cancellationToken: Ct).First();
        int after = counting.Calls;
        Thread.Sleep(200);
        Assert.Equal(after, counting.Calls);
        Assert.Equal(new DataPosition(0, 0), first.Position);
    }

    private sealed class CountingTransform(IPixelTransform inner) : IPixelTransform
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int Resolution => inner.Resolution;

        public void Apply(DecodedImage image, ulong seed, Span<float> destination)
        {
            Interlocked.Increment(ref _calls);
            inner.Apply(image, seed, destination);
        }
    }
}

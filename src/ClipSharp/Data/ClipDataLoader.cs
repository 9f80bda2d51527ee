using System.Threading.Channels;
using ClipSharp.Imaging;
using ClipSharp.Text;

namespace ClipSharp.Data;

/// <summary>
/// Turns captioned samples into training batches: per epoch a seeded shuffle, then each batch's samples decoded,
/// augmented and tokenized in parallel, with at most <see cref="DataLoaderOptions.Prefetch"/> batches prepared ahead.
/// </summary>
/// <remarks>
/// Reproducibility does not depend on thread timing: batch b of epoch e always holds the samples in slots
/// [b·B, (b+1)·B) of that epoch's permutation, each sample's augmentation seed is derived from (seed, epoch, index),
/// and batches are handed out in order. A sample that cannot be read is left out of its batch and logged in
/// <see cref="BadSamples"/>; it never shifts later batches, so <see cref="Read"/> can resume from any position.
/// </remarks>
public sealed class ClipDataLoader
{
    private readonly IReadOnlyList<CaptionedSample> _samples;
    private readonly ClipTokenizer _tokenizer;
    private readonly IPixelTransform _transform;
    private readonly int _workers;
    private readonly Lock _orderGate = new();
    private readonly Dictionary<int, int[]> _orders = [];

    public ClipDataLoader(CaptionDataset dataset, ClipTokenizer tokenizer, IPixelTransform transform, DataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(transform);
        Options = options ?? new DataLoaderOptions();
        Options.Validate();
        _samples = dataset.Samples;
        _tokenizer = tokenizer;
        _transform = transform;
        _workers = Options.Workers ?? Math.Max(1, Environment.ProcessorCount - 1);
        BadSamples = new BadSampleLog(dataset.Skipped);
        if (_samples.Count == 0)
        {
            throw new InvalidDataException(
                $"{dataset.Description}: no usable samples ({dataset.Skipped.Count} skipped: {string.Join("; ", dataset.Skipped.Take(3))}).");
        }

        BatchesPerEpoch = Options.DropLast ? _samples.Count / Options.BatchSize : (_samples.Count + Options.BatchSize - 1) / Options.BatchSize;
        if (BatchesPerEpoch == 0)
        {
            throw new ArgumentException(
                $"{dataset.Description}: {_samples.Count} samples make no full batch of {Options.BatchSize} with drop-last.", nameof(options));
        }
    }

    public DataLoaderOptions Options { get; }

    public int SampleCount => _samples.Count;

    public int BatchesPerEpoch { get; }

    public int Resolution => _transform.Resolution;

    /// <summary>Samples skipped so far: those the sources could not list, and those that failed to load.</summary>
    public BadSampleLog BadSamples { get; }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the dataset's samples (indices).</summary>
    public IReadOnlyList<int> EpochOrder(int epoch) => OrderOf(epoch);

    /// <summary>Batches in order from <paramref name="start"/>, through <paramref name="endEpoch"/> (exclusive) or endlessly.</summary>
    public IEnumerable<ClipBatch> Read(DataPosition start = default, int? endEpoch = null, CancellationToken cancellationToken = default)
    {
        CheckPosition(start);
        return ReadCore(start, endEpoch, cancellationToken);
    }

    /// <summary>One batch, loaded on the calling thread's workers without prefetch.</summary>
    public ClipBatch LoadBatch(DataPosition position, CancellationToken cancellationToken = default)
    {
        CheckPosition(position);
        return Load(position, cancellationToken);
    }

    /// <summary>The position following <paramref name="position"/>.</summary>
    public DataPosition Advance(DataPosition position) =>
        position.Batch + 1 < BatchesPerEpoch ? position with { Batch = position.Batch + 1 } : new DataPosition(position.Epoch + 1, 0);

    private IEnumerable<ClipBatch> ReadCore(DataPosition start, int? endEpoch, CancellationToken cancellationToken)
    {
        // Holds the prepared batches; the writer waits for room before starting the next one, so no more than
        // Prefetch batches are prepared or waiting, besides the one the consumer is taking.
        Channel<Task<ClipBatch>> ready = Channel.CreateBounded<Task<ClipBatch>>(
            new BoundedChannelOptions(Options.Prefetch) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationToken token = stop.Token;
        Task producer = Task.Run(
            async () =>
            {
                try
                {
                    for (DataPosition p = start; endEpoch is null || p.Epoch < endEpoch; p = Advance(p))
                    {
                        if (!await ready.Writer.WaitToWriteAsync(token).ConfigureAwait(false))
                        {
                            return;
                        }

                        DataPosition position = p;
                        ready.Writer.TryWrite(Task.Run(() => Load(position, token), token));
                    }

                    ready.Writer.TryComplete();
                }
                catch (OperationCanceledException)
                {
                    ready.Writer.TryComplete();
                }
            },
            CancellationToken.None);

        try
        {
            while (ready.Reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                if (ready.Reader.TryRead(out Task<ClipBatch>? batch))
                {
                    yield return batch.GetAwaiter().GetResult();
                }
            }
        }
        finally
        {
            stop.Cancel();
            producer.GetAwaiter().GetResult();
            // Wait for the abandoned batches, so no work outlives the enumeration; their cancellation is expected.
            while (ready.Reader.TryRead(out Task<ClipBatch>? abandoned))
            {
                try
                {
                    abandoned.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    private ClipBatch Load(DataPosition position, CancellationToken cancellationToken)
    {
        int[] order = OrderOf(position.Epoch);
        int batchSize = Options.BatchSize;
        int whole = Math.Min(batchSize, order.Length - (position.Batch * batchSize));
        int first = (position.Batch * batchSize) + Options.Shard.Start(whole);
        int count = Options.Shard.Count(whole);
        int n = _transform.Resolution;
        int plane = 3 * n * n;
        int context = Options.ContextLength;
        // pixels: [count, 3, n, n], tokens: [count, context]; compacted below if some samples fail.
        var pixels = new float[count * plane];
        var tokens = new int[count * context];
        var ok = new bool[count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _workers, CancellationToken = cancellationToken };
        Parallel.For(0, count, parallel, i =>
        {
            int index = order[first + i];
            CaptionedSample sample = _samples[index];
            int[] row = _tokenizer.Tokenize(sample.Caption, context, truncate: true);
            if (row[1] == _tokenizer.EndOfTextId)
            {
                BadSamples.Add(new BadSample(sample.Key, sample.Image.Name, "empty caption (nothing left after cleaning)"));
                return;
            }

            DecodedImage image;
            try
            {
                image = sample.Image.Decode();
            }
            catch (Exception e) when (e is ImageDecodeException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                BadSamples.Add(new BadSample(sample.Key, sample.Image.Name, "unreadable image: " + e.Message));
                return;
            }

            ulong seed = DataRandom.Mix(Options.Seed, position.Epoch, index);
            _transform.Apply(image, seed, pixels.AsSpan(i * plane, plane));
            row.CopyTo(tokens.AsSpan(i * context, context));
            ok[i] = true;
        });

        int good = ok.Count(b => b);
        var keys = new string[good];
        var captions = new string[good];
        float[] outPixels = good == count ? pixels : new float[good * plane];
        int[] outTokens = good == count ? tokens : new int[good * context];
        for (int i = 0, j = 0; i < count; i++)
        {
            if (!ok[i])
            {
                continue;
            }

            CaptionedSample sample = _samples[order[first + i]];
            keys[j] = sample.Key;
            captions[j] = sample.Caption;
            if (good != count)
            {
                pixels.AsSpan(i * plane, plane).CopyTo(outPixels.AsSpan(j * plane));
                tokens.AsSpan(i * context, context).CopyTo(outTokens.AsSpan(j * context));
            }

            j++;
        }

        return new ClipBatch(position, Advance(position), n, context, keys, captions, outPixels, outTokens);
    }

    private int[] OrderOf(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        lock (_orderGate)
        {
            if (_orders.TryGetValue(epoch, out int[]? cached))
            {
                return cached;
            }

            int[] order = [.. Enumerable.Range(0, _samples.Count)];
            if (Options.Shuffle)
            {
                new DataRandom(DataRandom.Mix(Options.Seed, epoch, -1)).Shuffle(order.AsSpan());
            }

            // Prefetch spans at most two epochs at a time; older orders are not needed again.
            foreach (int old in _orders.Keys.Where(k => k < epoch - 1).ToArray())
            {
                _orders.Remove(old);
            }

            _orders[epoch] = order;
            return order;
        }
    }

    private void CheckPosition(DataPosition position)
    {
        if (position.Epoch < 0 || position.Batch < 0 || position.Batch >= BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(
                nameof(position), $"{position} is outside the data: batches per epoch are 0 to {BatchesPerEpoch - 1}.");
        }
    }
}

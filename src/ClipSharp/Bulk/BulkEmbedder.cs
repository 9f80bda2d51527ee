using ClipSharp.Data;
using ClipSharp.Distributed;
using ClipSharp.Tensors;

namespace ClipSharp.Bulk;

/// <summary>
/// Embeds a list of images and texts on every rank of a job: each rank takes its <see cref="BatchShard"/> of the
/// list (a contiguous run, set by rank and size alone) of rank 0's list, so the shares concatenated in rank order are
/// the list, each item embedded once. With one process the share is the whole list.
/// </summary>
public sealed class BulkEmbedder
{
    private readonly Clip _clip;
    private readonly ICommunicator _communicator;

    private BulkEmbedder(Clip clip, ICommunicator communicator)
    {
        _clip = clip;
        _communicator = communicator;
    }

    /// <summary>This rank's place in the job.</summary>
    public BatchShard Shard => BatchShard.Of(_communicator);

    /// <param name="clip">The model, the same on every rank.</param>
    /// <param name="communicator">The job; null: one process.</param>
    public static BulkEmbedder Create(Clip clip, ICommunicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return new BulkEmbedder(clip, communicator ?? SingleProcessCommunicator.Instance);
    }

    /// <summary>
    /// Embeds this rank's share of <paramref name="inputs"/> (a collective: rank 0's list is the job's); results in
    /// the inputs' order, failures included.
    /// </summary>
    public IReadOnlyList<EmbeddingResult> EmbedShare(
        IReadOnlyList<EmbeddingInput> inputs, bool normalize = true, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        return Embed(_clip, TakeShare(inputs), normalize, progress, cancellation);
    }

    /// <summary>This rank's share of <paramref name="inputs"/>, without embedding it (a collective: rank 0's list is the job's).</summary>
    public IReadOnlyList<EmbeddingInput> TakeShare(IReadOnlyList<EmbeddingInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Shard.Take(Agreed(inputs));
    }

    /// <summary>The job's list: rank 0's, so that the ranks split one list even if, say, a folder changed between their scans.</summary>
    private IReadOnlyList<EmbeddingInput> Agreed(IReadOnlyList<EmbeddingInput> inputs) => _communicator.Size == 1
        ? inputs
        : EmbeddingResultCodec.DecodeInputs(_communicator.BroadcastBytes(_communicator.Rank == 0 ? EmbeddingResultCodec.EncodeInputs(inputs) : null, 0));

    /// <summary>
    /// Embeds all of <paramref name="inputs"/> over the job: this rank its share, then every rank receives every
    /// share (a collective: every rank calls it with the same list). Results in the inputs' order.
    /// </summary>
    public IReadOnlyList<EmbeddingResult> EmbedAll(
        IReadOnlyList<EmbeddingInput> inputs, bool normalize = true, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        IReadOnlyList<EmbeddingResult> share = EmbedShare(inputs, normalize, progress, cancellation);
        if (_communicator.Size == 1)
        {
            return share;
        }

        byte[][] gathered = _communicator.AllGatherBytes(EmbeddingResultCodec.Encode(share));
        return [.. gathered.SelectMany(EmbeddingResultCodec.Decode)];
    }

    /// <summary>
    /// This rank's webdataset shards (a collective: rank 0's list is the job's): a contiguous run of whole shards, as
    /// <see cref="TakeShare"/> splits inputs, so each rank lists and reads only its own shards.
    /// </summary>
    public IReadOnlyList<string> TakeShards(IReadOnlyList<string> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        IReadOnlyList<string> agreed = _communicator.Size == 1
            ? shards
            : BinaryMessage.ToStrings(_communicator.BroadcastBytes(_communicator.Rank == 0 ? BinaryMessage.FromStrings(shards) : null, 0));
        return Shard.Take(agreed);
    }

    /// <summary>
    /// Every rank's <see cref="EmbedSamples"/> result, concatenated in rank order, on every rank (a collective). With
    /// shares from <see cref="TakeShards"/> that is the shards' samples in the list's order, as one process has them.
    /// </summary>
    public SampleEmbeddings GatherSamples(SampleEmbeddings share)
    {
        ArgumentNullException.ThrowIfNull(share);
        if (_communicator.Size == 1)
        {
            return share;
        }

        SampleEmbeddings[] all = [.. _communicator.AllGatherBytes(EmbeddingResultCodec.EncodeSamples(share)).Select(EmbeddingResultCodec.DecodeSamples)];
        return new SampleEmbeddings([.. all.SelectMany(a => a.Samples)], [.. all.SelectMany(a => a.Skipped)]);
    }

    /// <summary>
    /// Embeds the images of a listed caption dataset (e.g. <see cref="WebDatasetSource.Load"/> of some shards) in one
    /// process, each beside its key and caption, in the dataset's order; an image that cannot be read fails alone.
    /// </summary>
    public static SampleEmbeddings EmbedSamples(
        Clip clip, CaptionDataset samples, bool normalize = true, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(samples);
        IReadOnlyList<EmbeddingResult> results = clip.EncodeImageSources([.. samples.Samples.Select(s => s.Image)], normalize, progress, cancellation);
        return new SampleEmbeddings([.. samples.Samples.Select((s, i) => new SampleEmbedding(s.Key, s.Caption, results[i]))], samples.Skipped);
    }

    /// <summary>Embeds images and texts in one process, results in the inputs' order (images and texts batch apart).</summary>
    public static IReadOnlyList<EmbeddingResult> Embed(
        Clip clip, IReadOnlyList<EmbeddingInput> inputs, bool normalize = true, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(inputs);
        string[] imagePaths = [.. inputs.Where(i => i.Kind == EmbeddingKind.Image).Select(i => i.Input)];
        string[] texts = [.. inputs.Where(i => i.Kind == EmbeddingKind.Text).Select(i => i.Input)];
        IReadOnlyList<EmbeddingResult> imageResults = clip.EncodeImageFiles(imagePaths, normalize, progress: progress, cancellation: cancellation);
        cancellation.ThrowIfCancellationRequested();
        Tensor textEmbeddings = clip.EncodeTexts(texts, normalize);

        var results = new List<EmbeddingResult>(inputs.Count);
        int nextImage = 0;
        int nextText = 0;
        foreach (EmbeddingInput input in inputs)
        {
            results.Add(input.Kind == EmbeddingKind.Image
                ? imageResults[nextImage++]
                : EmbeddingResult.Succeeded(input.Input, EmbeddingKind.Text, textEmbeddings.Span.Slice(nextText++ * clip.EmbedDim, clip.EmbedDim).ToArray()));
        }

        return results;
    }
}

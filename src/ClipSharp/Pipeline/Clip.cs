using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Text;

namespace ClipSharp;

/// <summary>
/// A ready-to-use CLIP: the model with its tokenizer and image transform, turning image files and strings
/// into embeddings in one shared space (open_clip's <c>encode_image</c>/<c>encode_text</c>, batched).
/// </summary>
public sealed class Clip
{
    /// <summary>Images per forward pass: large enough to keep GEMMs efficient, small enough for laptop memory.</summary>
    public const int DefaultImageBatchSize = 32;

    public const int DefaultTextBatchSize = 64;

    // Texts tokenized and sorted by length together: this many batches.
    private const int TextSortWindowBatches = 16;

    public Clip(ClipModel model, ClipTokenizer tokenizer, ClipImageTransform imageTransform, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(imageTransform);
        if (imageTransform.Resolution != model.Config.ImageResolution)
        {
            throw new ArgumentException(
                $"the image transform produces {imageTransform.Resolution} px but the model takes {model.Config.ImageResolution} px.",
                nameof(imageTransform));
        }

        if (tokenizer.VocabularySize > model.Config.VocabSize)
        {
            throw new ArgumentException(
                $"the tokenizer has {tokenizer.VocabularySize} tokens but the model's embedding table has {model.Config.VocabSize}.",
                nameof(tokenizer));
        }

        Model = model;
        Tokenizer = tokenizer;
        ImageTransform = imageTransform;
        Name = name;
    }

    public ClipModel Model { get; }

    public ClipTokenizer Tokenizer { get; }

    public ClipImageTransform ImageTransform { get; }

    /// <summary>Where the model came from (a path), for messages and index identity.</summary>
    public string Name { get; }

    public int EmbedDim => Model.Config.EmbedDim;

    public int ImageBatchSize { get; init; } = DefaultImageBatchSize;

    public int TextBatchSize { get; init; } = DefaultTextBatchSize;

    /// <summary>Loads a model folder or file (Hugging Face or OpenAI layout) with its tokenizer and preprocessing.</summary>
    /// <param name="path">A model folder, or one .safetensors file.</param>
    /// <param name="vocab">Tokenizer files to use instead of the model's (a bpe_simple_vocab_16e6.txt.gz, or a folder with it or with vocab.json + merges.txt).</param>
    public static Clip Load(string path, string? vocab = null) => Load(path, vocab, CancellationToken.None);

    /// <summary>As <see cref="Load(string, string?)"/>; a cancelled token stops the load between two tensors.</summary>
    public static Clip Load(string path, string? vocab, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();

        // The checkpoint never leaves this call, so its weights can go from the file straight into the model.
        // Its matrix weights are packed for the GEMM once, here, rather than on every product.
        ClipCheckpoint checkpoint = ModelFolder.Load(path, vocab, deferWeights: true, cancellation);
        Clip clip = FromCheckpoint(checkpoint, packWeights: true);
        cancellation.ThrowIfCancellationRequested();
        return clip;
    }

    public static Clip FromCheckpoint(ClipCheckpoint checkpoint) => FromCheckpoint(checkpoint, packWeights: false);

    private static Clip FromCheckpoint(ClipCheckpoint checkpoint, bool packWeights)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ClipModel model;
        try
        {
            model = packWeights
                ? ClipModel.FromStateDictForInference(checkpoint.Config, checkpoint.StateDict)
                : ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict);
        }
        catch (StateDictMismatchException e)
        {
            throw new ModelLoadException($"{checkpoint.WeightsPath}: the weights do not fit the architecture: {e.Message}", e);
        }

        ClipTokenizer tokenizer = OpenTokenizer(checkpoint.Tokenizer);
        PreprocessSettings pre = checkpoint.Preprocess;
        if (pre.ResizeShortestEdge != pre.CropSize)
        {
            throw new ModelLoadException(
                $"{checkpoint.Path}: preprocessing resizes to {pre.ResizeShortestEdge} px but crops {pre.CropSize} px; "
                + "CLIP's transform resizes and crops to the same size.");
        }

        if (pre.CropSize != checkpoint.Config.ImageResolution)
        {
            throw new ModelLoadException(
                $"{checkpoint.Path}: preprocessing crops {pre.CropSize} px but the model takes {checkpoint.Config.ImageResolution} px.");
        }

        return new Clip(model, tokenizer, new ClipImageTransform(pre.CropSize, pre.Mean, pre.Std), checkpoint.Path);
    }

    // images: already transformed [N, 3, R, R] -> [N, E].
    public Tensor EncodePixels(Tensor pixels, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        int n = pixels.Dim(0);
        int r = Model.Config.ImageResolution;
        var result = Tensor.Zeros(n, EmbedDim);
        for (int start = 0; start < n; start += ImageBatchSize)
        {
            int count = Math.Min(ImageBatchSize, n - start);
            Model.EncodeImage(pixels.Slice(start, count).Reshape(count, 3, r, r), result.Span.Slice(start * EmbedDim, count * EmbedDim));
        }

        return normalize ? ClipModel.Normalize(result) : result;
    }

    /// <summary>Embeds decoded images: [N] -> [N, E].</summary>
    public Tensor EncodeImages(IReadOnlyList<DecodedImage> images, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(images);
        int r = ImageTransform.Resolution;
        int plane = 3 * r * r;
        var pixels = new float[images.Count * plane];

        // Preprocessing is independent per image; the model's kernels parallelise on their own afterwards,
        // so the two never nest.
        Parallel.For(0, images.Count, ParallelOptions(), i => ImageTransform.Apply(images[i], pixels.AsSpan(i * plane, plane)));
        return EncodePixels(new Tensor(pixels, images.Count, 3, r, r), normalize);
    }

    /// <summary>
    /// Embeds image files in input order. A file that cannot be read or decoded does not stop the batch:
    /// its result carries the reason instead of an embedding.
    /// </summary>
    public IReadOnlyList<EmbeddingResult> EncodeImageFiles(
        IReadOnlyList<string> paths, bool normalize = true, ImageDecodeOptions? decodeOptions = null, IProgress<int>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return EncodeEach(paths.Count, i => paths[i], i => ImageDecoder.Decode(paths[i], decodeOptions), normalize, progress, cancellation);
    }

    /// <summary>
    /// Embeds images from their sources (files, archive members such as a webdataset shard's, rendered pixels) in
    /// input order, each result named by <see cref="ImageSource.Name"/>. A source that cannot be read or decoded does
    /// not stop the batch: its result carries the reason instead of an embedding.
    /// </summary>
    public IReadOnlyList<EmbeddingResult> EncodeImageSources(
        IReadOnlyList<ImageSource> sources, bool normalize = true, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return EncodeEach(sources.Count, i => sources[i].Name, i => sources[i].Decode(), normalize, progress, cancellation);
    }

    // Decodes and embeds images [0, count) a batch at a time; decode(i) may fail on the image's own account (bad
    // bytes; for an archive member also an unreadable or truncated archive), which fails that result only.
    private IReadOnlyList<EmbeddingResult> EncodeEach(
        int count, Func<int, string> name, Func<int, DecodedImage> decode, bool normalize, IProgress<int>? progress, CancellationToken cancellation)
    {
        var results = new EmbeddingResult[count];
        int done = 0;
        for (int start = 0; start < count; start += ImageBatchSize)
        {
            // A cancelled token stops at the next batch (and the decoding of this one): what was embedded is dropped.
            cancellation.ThrowIfCancellationRequested();
            int batch = Math.Min(ImageBatchSize, count - start);
            var decoded = new DecodedImage?[batch];
            Parallel.For(0, batch, ParallelOptions(cancellation), i =>
            {
                try
                {
                    decoded[i] = decode(start + i);
                }
                catch (Exception e) when (e is ImageDecodeException or IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    results[start + i] = EmbeddingResult.Failed(name(start + i), EmbeddingKind.Image, e.Message);
                }
            });

            var good = Enumerable.Range(0, batch).Where(i => decoded[i] is not null).ToArray();
            if (good.Length > 0)
            {
                Tensor embeddings = EncodeImages([.. good.Select(i => decoded[i]!)], normalize);
                for (int g = 0; g < good.Length; g++)
                {
                    int index = start + good[g];
                    results[index] = EmbeddingResult.Succeeded(
                        name(index), EmbeddingKind.Image, embeddings.Span.Slice(g * EmbedDim, EmbedDim).ToArray());
                }
            }

            done += batch;
            progress?.Report(done);
        }

        return results;
    }

    /// <summary>Embeds texts (truncated to the context, keeping the end-of-text token): [N] -> [N, E].</summary>
    /// <remarks>
    /// Texts are grouped by token length and each batch runs only up to its last end-of-text position
    /// (<see cref="TextTransformer.ForwardPrefix(ReadOnlySpan{int}, int, int)"/>); the embeddings are bit for bit those of a full-context run.
    /// </remarks>
    public Tensor EncodeTexts(IReadOnlyList<string> texts, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        int context = Model.Config.ContextLength;
        int batchSize = Math.Max(1, TextBatchSize);
        var result = Tensor.Zeros(texts.Count, EmbedDim);

        // Sorting by length within a window of several batches gives batches of similar lengths while holding
        // only the window's token rows at a time.
        int window = batchSize * TextSortWindowBatches;
        for (int start = 0; start < texts.Count; start += window)
        {
            int count = Math.Min(window, texts.Count - start);
            var chunk = new string[count];
            for (int i = 0; i < count; i++)
            {
                chunk[i] = texts[start + i];
            }

            int[] tokens = Tokenizer.TokenizeBatch(chunk, context, truncate: true);
            EncodeTokenRows(tokens, count, result.Span.Slice(start * EmbedDim, count * EmbedDim));
        }

        return normalize ? ClipModel.Normalize(result) : result;
    }

    /// <summary>
    /// Embeds tokenized texts, rows of exactly context_length ids as <see cref="ClipTokenizer.TokenizeBatch"/> writes
    /// them: [N, ctx] -> [N, E]. Rows are grouped by length as in <see cref="EncodeTexts"/>.
    /// </summary>
    public Tensor EncodeTokens(ReadOnlySpan<int> tokens, int count, bool normalize = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int context = Model.Config.ContextLength;
        if (tokens.Length != count * context)
        {
            throw new ArgumentException(
                $"tokens must hold {count} rows of {context} ids ({count * context}), got {tokens.Length}.", nameof(tokens));
        }

        var result = Tensor.Zeros(count, EmbedDim);
        EncodeTokenRows(tokens, count, result.Span);
        return normalize ? ClipModel.Normalize(result) : result;
    }

    // tokens: [N, ctx] -> result: [N, E]; sorted by length, batched, each batch cut after its last end-of-text token.
    private void EncodeTokenRows(ReadOnlySpan<int> tokens, int count, Span<float> result)
    {
        int context = Model.Config.ContextLength;
        int batchSize = Math.Max(1, TextBatchSize);
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            lengths[i] = TextTransformer.EndOfTextIndex(tokens.Slice(i * context, context)) + 1;
        }

        int[] order = Enumerable.Range(0, count).OrderBy(i => lengths[i]).ToArray();
        var features = new float[Math.Min(batchSize, count) * EmbedDim];
        for (int b0 = 0; b0 < count; b0 += batchSize)
        {
            int n = Math.Min(batchSize, count - b0);
            var batch = new int[n * context];
            int length = 1;
            for (int i = 0; i < n; i++)
            {
                int source = order[b0 + i];
                tokens.Slice(source * context, context).CopyTo(batch.AsSpan(i * context, context));
                length = Math.Max(length, lengths[source]);
            }

            Model.Text.ForwardPrefix(batch, n, length, features.AsSpan(0, n * EmbedDim));
            for (int i = 0; i < n; i++)
            {
                features.AsSpan(i * EmbedDim, EmbedDim).CopyTo(result.Slice(order[b0 + i] * EmbedDim, EmbedDim));
            }
        }
    }

    /// <summary>Cosine similarities of every image with every text: [I, E] × [T, E] -> [I, T].</summary>
    public static Tensor CosineSimilarity(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        ArgumentNullException.ThrowIfNull(textEmbeddings);
        Tensor a = ClipModel.Normalize(imageEmbeddings);
        Tensor b = ClipModel.Normalize(textEmbeddings);
        int e = a.Dim(1);
        if (b.Dim(1) != e)
        {
            throw new ArgumentException($"embedding widths differ: images {a.ShapeString}, texts {b.ShapeString}.");
        }

        int rows = a.Dim(0);
        int cols = b.Dim(0);
        var result = Tensor.Zeros(rows, cols);
        Tensors.Kernels.Gemm.Sgemm(false, true, rows, cols, e, 1f, a.Span, e, b.Span, e, 0f, result.Span, cols);
        return result;
    }

    /// <summary>Softmax over each row of exp(logit_scale) × cosine: how the model splits its belief among the texts.</summary>
    public Tensor TextProbabilities(Tensor cosine)
    {
        ArgumentNullException.ThrowIfNull(cosine);
        float scale = MathF.Exp(Model.LogitScale);
        var probabilities = Tensor.Zeros(cosine.Dim(0), cosine.Dim(1));
        System.Numerics.Tensors.TensorPrimitives.Multiply(cosine.Span, scale, probabilities.Span);
        Tensors.Kernels.Softmax.Forward(probabilities.Span, probabilities.Span, cosine.Dim(0), cosine.Dim(1));
        return probabilities;
    }

    /// <summary>Reads the tokenizer that a set of tokenizer files describes.</summary>
    public static ClipTokenizer OpenTokenizer(TokenizerFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        try
        {
            return files.Kind == TokenizerFileKind.OpenAiBpeGz
                ? ClipTokenizer.Create(files.BpeGzPath!)
                : ClipTokenizer.CreateFromHuggingFace(files.VocabJsonPath!, files.MergesPath!);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"cannot read the tokenizer files: {e.Message}", e);
        }
    }

    private static ParallelOptions ParallelOptions(CancellationToken cancellation = default) => new() { MaxDegreeOfParallelism = Parallelism.MaxThreads, CancellationToken = cancellation };
}

using System.Buffers;
using ClipSharp.Layers;
using ClipSharp.Tensors;
using LayerNorm = ClipSharp.Layers.LayerNorm;

namespace ClipSharp.Models;

/// <summary>
/// CLIP's text tower: token_embedding + positional_embedding → causal transformer → ln_final → the row at each
/// sequence's first largest id (the end-of-text token) → @ text_projection. Its names sit at the model's root.
/// </summary>
public sealed class TextTransformer
{
    public TextTransformer(
        ParameterScope scope, int contextLength, int vocabSize, int width, int heads, int layers, int outputDim,
        ActivationKind activation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        ContextLength = contextLength;
        VocabSize = vocabSize;
        Width = width;
        OutputDim = outputDim;
        TokenEmbedding = new TokenEmbedding(scope.Child("token_embedding"), vocabSize, width);
        PositionalEmbedding = new PositionalEmbedding(scope, "positional_embedding", contextLength, width, 0.01f);
        Transformer = new Transformer(scope.Child("transformer"), width, layers, heads, causal: true, activation);
        LnFinal = new LayerNorm(scope.Child("ln_final"), width);
        TextProjection = scope.Parameter("text_projection", [width, outputDim], ParameterInit.Normal, 1f / MathF.Sqrt(width));
    }

    public int ContextLength { get; }

    public int VocabSize { get; }

    public int Width { get; }

    public int OutputDim { get; }

    public TokenEmbedding TokenEmbedding { get; }

    public PositionalEmbedding PositionalEmbedding { get; }

    public Transformer Transformer { get; }

    public LayerNorm LnFinal { get; }

    public Parameter TextProjection { get; }

    // tokens: [B, ctx] -> [B, E]
    public Tensor Forward(ReadOnlySpan<int> tokens, int batch, Action<string, Tensor>? observer = null)
    {
        Validate(tokens, batch);
        var features = new float[batch * OutputDim];
        Run(tokens, batch, ContextLength, features, observer);
        return new Tensor(features, batch, OutputDim);
    }

    /// <summary>
    /// The inference forward pass into a caller's buffer of exactly [B, E] floats. Intermediates are rented from a
    /// pool, so after a first call of the same shape a call allocates no managed memory; concurrent calls are safe.
    /// </summary>
    // tokens: [B, ctx] -> destination: [B, E]
    public void Forward(ReadOnlySpan<int> tokens, int batch, Span<float> destination)
    {
        Validate(tokens, batch);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        Run(tokens, batch, ContextLength, destination, observer: null);
    }

    /// <summary>
    /// As <see cref="Forward(ReadOnlySpan{int}, int, Action{string, Tensor}?)"/>, running the tower on the first
    /// <paramref name="length"/> positions only. The mask is causal and only each row's end-of-text position is
    /// read, so positions after the last end-of-text token of the batch cannot change the result: any length of at
    /// least <see cref="UsedLength"/> gives the same embeddings, bit for bit, for less work.
    /// </summary>
    // tokens: [B, ctx] -> [B, E], computed on x: [B, length, W]
    public Tensor ForwardPrefix(ReadOnlySpan<int> tokens, int batch, int length)
    {
        ValidatePrefix(tokens, batch, length);
        var features = new float[batch * OutputDim];
        Run(tokens, batch, length, features, observer: null);
        return new Tensor(features, batch, OutputDim);
    }

    /// <summary>
    /// <see cref="ForwardPrefix(ReadOnlySpan{int}, int, int)"/> into a caller's buffer of exactly [B, E] floats,
    /// allocating nothing once a call of the same shape has run.
    /// </summary>
    // tokens: [B, ctx] -> destination: [B, E], computed on x: [B, length, W]
    public void ForwardPrefix(ReadOnlySpan<int> tokens, int batch, int length, Span<float> destination)
    {
        ValidatePrefix(tokens, batch, length);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        Run(tokens, batch, length, destination, observer: null);
    }

    private void ValidatePrefix(ReadOnlySpan<int> tokens, int batch, int length)
    {
        Validate(tokens, batch);
        int ctx = ContextLength;
        int needed = UsedLength(tokens, batch, ctx);
        if (length < needed || length > ctx)
        {
            throw new ArgumentOutOfRangeException(
                nameof(length), length,
                $"the prefix length must lie in [{needed}, {ctx}]: the last end-of-text token of the batch is at position {needed - 1}.");
        }
    }

    // tokens: [B, ctx] -> destination: [B, E], on the first length positions (the whole context when observed).
    // Intermediates are pooled.
    private void Run(ReadOnlySpan<int> tokens, int batch, int length, Span<float> destination, Action<string, Tensor>? observer)
    {
        int ctx = ContextLength;
        int w = Width;
        int rows = batch * length;

        using var x = new PooledBuffer(rows * w);
        if (length < ctx)
        {
            int[] prefix = ArrayPool<int>.Shared.Rent(rows);
            for (int b = 0; b < batch; b++)
            {
                tokens.Slice(b * ctx, length).CopyTo(prefix.AsSpan(b * length, length));
            }

            TokenEmbedding.Forward(prefix.AsSpan(0, rows), x.Span);
            ArrayPool<int>.Shared.Return(prefix);
        }
        else
        {
            TokenEmbedding.Forward(tokens, x.Span);
        }

        Observation.Report(observer, "token_embedding.out", x.Span, batch, length, w);
        PositionalEmbedding.Forward(x.Span, batch, length);

        Transformer.Forward(x.Span, batch, length, observer);

        using var pooled = new PooledBuffer(batch * w);
        if (observer is null)
        {
            // ln_final is per row, so normalising only the read-out rows gives the same numbers for less work.
            using var eot = new PooledBuffer(batch * w);
            GatherEndOfText(tokens, x.Span, length, eot.Span, batch);
            LnFinal.Forward(eot.Span, pooled.Span, batch);
        }
        else
        {
            var normed = new float[rows * w];
            LnFinal.Forward(x.Span, normed, rows);
            Observation.Report(observer, "ln_final.out", normed, batch, length, w);
            GatherEndOfText(tokens, normed, length, pooled.Span, batch);
        }

        Projection.Forward(TextProjection, pooled.Span, batch, destination);
    }

    /// <summary>Positions the batch needs: one past its last end-of-text token. tokens: [B, contextLength].</summary>
    public static int UsedLength(ReadOnlySpan<int> tokens, int batch, int contextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        if (tokens.Length != batch * contextLength)
        {
            throw new ArgumentException(
                $"tokens must hold batch x context_length = {batch} x {contextLength} ids, got {tokens.Length}.", nameof(tokens));
        }

        int used = 1;
        for (int b = 0; b < batch; b++)
        {
            used = Math.Max(used, EndOfTextIndex(tokens.Slice(b * contextLength, contextLength)) + 1);
        }

        return used;
    }

    /// <summary>The position of the first largest id in a row: where the reference reads the text feature.</summary>
    public static int EndOfTextIndex(ReadOnlySpan<int> row)
    {
        int best = 0;
        for (int t = 1; t < row.Length; t++)
        {
            if (row[t] > row[best])
            {
                best = t;
            }
        }

        return best;
    }

    // tokens: [B, ctx]; x: [B, length, W] -> y: [B, W], row b taken at EndOfTextIndex(tokens[b]) (< length).
    private void GatherEndOfText(ReadOnlySpan<int> tokens, ReadOnlySpan<float> x, int length, Span<float> y, int batch)
    {
        int ctx = ContextLength;
        int w = Width;
        for (int b = 0; b < batch; b++)
        {
            int t = EndOfTextIndex(tokens.Slice(b * ctx, ctx));
            x.Slice(((b * length) + t) * w, w).CopyTo(y.Slice(b * w, w));
        }
    }

    private void Validate(ReadOnlySpan<int> tokens, int batch)
    {
        if (batch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "encode at least one text (batch >= 1).");
        }

        if (tokens.Length != batch * ContextLength)
        {
            throw new ArgumentException(
                $"tokens must hold batch x context_length = {batch} x {ContextLength} = {batch * ContextLength} ids (rows of exactly {ContextLength}), got {tokens.Length}.",
                nameof(tokens));
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)VocabSize)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(tokens), tokens[i],
                    $"token id {tokens[i]} at row {i / ContextLength}, position {i % ContextLength} is outside the vocabulary [0, {VocabSize}).");
            }
        }
    }

    /// <summary>The training forward pass over the full context: the features and what <see cref="Backward"/> needs.</summary>
    public TextActivations ForwardTraining(ReadOnlySpan<int> tokens, int batch)
    {
        Validate(tokens, batch);
        int ctx = ContextLength;
        int w = Width;
        int rows = batch * ctx;
        int[] ids = tokens.ToArray();

        var x = new float[rows * w];
        TokenEmbedding.Forward(ids, x);
        PositionalEmbedding.Forward(x, batch);
        IReadOnlyList<BlockActivations> blocks = Transformer.ForwardTraining(x, batch, ctx);

        var eot = new float[batch * w];
        GatherEndOfText(ids, x, ContextLength, eot, batch);
        var pooled = new float[batch * w];
        LnFinal.Forward(eot, pooled, batch);
        float[] features = Projection.Forward(TextProjection, pooled, batch);
        return new TextActivations(new Tensor(features, batch, OutputDim), ids, blocks, eot, pooled);
    }

    // dFeatures: [B, E] -> parameter gradients, accumulated into grads.
    public void Backward(TextActivations activations, ReadOnlySpan<float> dFeatures, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(grads);
        int batch = activations.Batch;
        int ctx = ContextLength;
        int w = Width;

        float[] dPooled = Projection.Backward(TextProjection, activations.Pooled, dFeatures, batch, grads);
        var dEot = new float[batch * w];
        LnFinal.Backward(activations.EndOfText, dPooled, dEot, batch, grads);

        // Only the end-of-text row of each sequence reaches the output.
        var dx = new float[batch * ctx * w];
        for (int b = 0; b < batch; b++)
        {
            int t = EndOfTextIndex(activations.Tokens.AsSpan(b * ctx, ctx));
            dEot.AsSpan(b * w, w).CopyTo(dx.AsSpan(((b * ctx) + t) * w, w));
        }

        Transformer.Backward(activations.Blocks, dx, batch, ctx, grads);
        PositionalEmbedding.Backward(dx, batch, grads);
        TokenEmbedding.Backward(activations.Tokens, dx, grads);
    }
}

/// <summary>The text tower's training forward pass: features [B, E], the ids, every block's activations, the read-out rows.</summary>
public sealed class TextActivations(
    Tensor features, int[] tokens, IReadOnlyList<BlockActivations> blocks, float[] endOfText, float[] pooled)
{
    public Tensor Features { get; } = features;

    public int Batch => Features.Dim(0);

    internal int[] Tokens { get; } = tokens;

    internal IReadOnlyList<BlockActivations> Blocks { get; } = blocks;

    internal float[] EndOfText { get; } = endOfText;

    internal float[] Pooled { get; } = pooled;
}

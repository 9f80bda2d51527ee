using System.Buffers;
using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Tensors;
using LayerNorm = ClipSharp.Layers.LayerNorm;

namespace ClipSharp.Models;

/// <summary>
/// CLIP's text tower: token_embedding + positional_embedding → causal transformer → ln_final → the row at each
/// sequence's first largest id (the end-of-text token) → @ text_projection. Its names sit at the model's root.
/// </summary>
public sealed class TextTransformer
{
    internal TextTransformer(
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

    internal TokenEmbedding TokenEmbedding { get; }

    internal PositionalEmbedding PositionalEmbedding { get; }

    internal Transformer Transformer { get; }

    internal LayerNorm LnFinal { get; }

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
    // The workspace is pooled.
    private unsafe void Run(ReadOnlySpan<int> tokens, int batch, int length, Span<float> destination, Action<string, Tensor>? observer)
    {
        var layout = new WorkspaceLayout();
        var l = new Layout(ref layout, this, batch, length, keep: false);
        using var buffer = new PooledBuffer(checked((int)layout.Count));
        fixed (float* arena = buffer.Span)
        {
            Run(tokens, batch, length, destination, new WorkspaceArena(arena, layout.Count), in l, observer);
        }
    }

    /// <summary>
    /// The one forward pass into a training workspace, on the positions the batch uses (<see cref="UsedLength"/>):
    /// the features are bit for bit those of the inference forward. Kept, the workspace then holds what
    /// <see cref="Backward"/> reads. tokens: [B, ctx] -> destination: [B, E].
    /// </summary>
    internal void Forward(ReadOnlySpan<int> tokens, int batch, Span<float> destination, Workspace workspace, ForwardPass pass)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        Validate(tokens, batch);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        bool keep = pass == ForwardPass.Keep;
        int length = UsedLength(tokens, batch, ContextLength);
        var layout = new WorkspaceLayout();
        var l = new Layout(ref layout, this, batch, length, keep);
        WorkspaceArena ws = workspace.Arena(layout.Count);
        workspace.Forget();
        Run(tokens, batch, length, destination, ws, in l, observer: null);
        if (keep)
        {
            tokens.CopyTo(workspace.Ids(tokens.Length));
            workspace.Record(this, batch, length);
        }
    }

    private void Run(
        ReadOnlySpan<int> tokens, int batch, int length, Span<float> destination, WorkspaceArena ws, in Layout l, Action<string, Tensor>? observer)
    {
        int ctx = ContextLength;
        int w = Width;
        int rows = batch * length;

        Span<float> x = ws[l.Transformer.Stream(0)];
        if (length < ctx)
        {
            int[] prefix = ArrayPool<int>.Shared.Rent(rows);
            for (int b = 0; b < batch; b++)
            {
                tokens.Slice(b * ctx, length).CopyTo(prefix.AsSpan(b * length, length));
            }

            TokenEmbedding.Forward(prefix.AsSpan(0, rows), x);
            ArrayPool<int>.Shared.Return(prefix);
        }
        else
        {
            TokenEmbedding.Forward(tokens, x);
        }

        Observation.Report(observer, "token_embedding.out", x, batch, length, w);
        PositionalEmbedding.Forward(x, batch, length);

        Span<float> eot = ws[l.EndOfText];
        Span<float> pooled = ws[l.Pooled];
        if (observer is null && !l.Transformer.Keep)
        {
            // Only the end-of-text rows are read out: the last block runs at them alone and ln_final normalises only
            // them (both per row, so the same bits for less work).
            int[] readout = ArrayPool<int>.Shared.Rent(batch);
            for (int b = 0; b < batch; b++)
            {
                readout[b] = EndOfTextIndex(tokens.Slice(b * ctx, ctx));
            }

            Transformer.ForwardReadout(ws, l.Transformer, batch, length, readout.AsSpan(0, batch), eot);
            ArrayPool<int>.Shared.Return(readout);
            LnFinal.Forward(eot, pooled, batch);
        }
        else if (observer is null)
        {
            Transformer.Forward(ws, l.Transformer, batch, length, observer);
            GatherEndOfText(tokens, ws[l.Transformer.Stream(Transformer.Resblocks.Count)], length, eot, batch);
            LnFinal.Forward(eot, pooled, batch);
        }
        else
        {
            Transformer.Forward(ws, l.Transformer, batch, length, observer);
            Span<float> output = ws[l.Transformer.Stream(Transformer.Resblocks.Count)];
            var normed = new float[rows * w];
            LnFinal.Forward(output, normed, rows);
            Observation.Report(observer, "ln_final.out", normed, batch, length, w);
            GatherEndOfText(tokens, normed, length, pooled, batch);
        }

        Projection.Forward(TextProjection, pooled, batch, destination);
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

    // dFeatures: [B, E] -> parameter gradients, accumulated into grads, from what the last kept forward pass left in
    // the workspace.
    internal void Backward(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(grads);
        workspace.RequireFrom(this, "text transformer");
        int batch = workspace.Batch;
        int length = workspace.Length;
        FeatureDestination.Validate(dFeatures.Length, batch, OutputDim);
        int ctx = ContextLength;
        int w = Width;
        var layout = new WorkspaceLayout();
        var l = new Layout(ref layout, this, batch, length, keep: true);
        WorkspaceArena ws = workspace.Arena(layout.Count);
        ReadOnlySpan<int> tokens = workspace.Ids(batch * ctx);

        Span<float> dPooled = ws[l.PooledGradient];
        Projection.Backward(TextProjection, ws[l.Pooled], dFeatures, batch, dPooled, grads);
        Span<float> dEot = ws[l.EndOfTextGradient];
        LnFinal.Backward(ws[l.EndOfText], dPooled, dEot, batch, grads);

        // Only the end-of-text row of each sequence reaches the output.
        Span<float> dx = ws[l.Transformer.StreamGradient];
        dx.Clear();
        for (int b = 0; b < batch; b++)
        {
            int t = EndOfTextIndex(tokens.Slice(b * ctx, ctx));
            dEot.Slice(b * w, w).CopyTo(dx.Slice(((b * length) + t) * w, w));
        }

        Transformer.Backward(ws, l.Transformer, batch, length, grads);
        PositionalEmbedding.Backward(dx, batch, length, grads);
        for (int b = 0; b < batch; b++)
        {
            TokenEmbedding.Backward(tokens.Slice(b * ctx, length), dx.Slice(b * length * w, length * w), grads);
        }
    }

    // The tower's slices for B sequences run on their first length positions: the transformer's, the end-of-text rows
    // and ln_final's output; kept, also the backward's own.
    private readonly struct Layout
    {
        public Layout(ref WorkspaceLayout layout, TextTransformer tower, int batch, int length, bool keep)
        {
            int w = tower.Width;
            Transformer = tower.Transformer.Layout(ref layout, batch, length, keep);
            EndOfText = layout.Add((long)batch * w);
            Pooled = layout.Add((long)batch * w);
            if (keep)
            {
                PooledGradient = layout.Add((long)batch * w);
                EndOfTextGradient = layout.Add((long)batch * w);
            }
        }

        public TransformerLayout Transformer { get; }

        /// <summary>The transformer's output at each sequence's end-of-text token: [B, W], ln_final's input.</summary>
        public WorkspaceSlice EndOfText { get; }

        /// <summary>ln_final of them, text_projection's input: [B, W].</summary>
        public WorkspaceSlice Pooled { get; }

        public WorkspaceSlice PooledGradient { get; }

        public WorkspaceSlice EndOfTextGradient { get; }
    }
}

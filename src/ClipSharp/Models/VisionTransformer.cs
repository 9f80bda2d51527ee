using System.Buffers;
using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Tensors;
using Conv2d = ClipSharp.Layers.Conv2d;
using LayerNorm = ClipSharp.Layers.LayerNorm;

namespace ClipSharp.Models;

/// <summary>
/// CLIP's ViT: patch conv (no bias) → patch tokens with the class token first → + positional embedding → ln_pre →
/// transformer → ln_post of the class token → @ proj.
/// </summary>
public sealed class VisionTransformer : IImageEncoder
{
    internal VisionTransformer(
        ParameterScope scope, int inputResolution, int patchSize, int width, int layers, int heads, int outputDim,
        ActivationKind activation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patchSize, 1);
        if (inputResolution % patchSize != 0)
        {
            throw new ArgumentException(
                $"image resolution {inputResolution} is not a multiple of the patch size {patchSize}.", nameof(patchSize));
        }

        ImageResolution = inputResolution;
        PatchSize = patchSize;
        Width = width;
        OutputDim = outputDim;
        Grid = inputResolution / patchSize;
        float scale = 1f / MathF.Sqrt(width);

        Conv1 = new Conv2d(scope.Child("conv1"), 3, width, patchSize, stride: patchSize);
        ClassEmbedding = new ClassEmbedding(scope, width);
        PositionalEmbedding = new PositionalEmbedding(scope, "positional_embedding", Tokens, width, scale);
        LnPre = new LayerNorm(scope.Child("ln_pre"), width);
        Transformer = new Transformer(scope.Child("transformer"), width, layers, heads, causal: false, activation);
        LnPost = new LayerNorm(scope.Child("ln_post"), width);
        Proj = scope.Parameter("proj", [width, outputDim], ParameterInit.Normal, scale);
    }

    public int ImageResolution { get; }

    public int PatchSize { get; }

    public int Width { get; }

    public int OutputDim { get; }

    /// <summary>Patches per side.</summary>
    public int Grid { get; }

    /// <summary>Grid² patch tokens plus the class token.</summary>
    public int Tokens => (Grid * Grid) + 1;

    internal Conv2d Conv1 { get; }

    internal ClassEmbedding ClassEmbedding { get; }

    internal PositionalEmbedding PositionalEmbedding { get; }

    internal LayerNorm LnPre { get; }

    internal Transformer Transformer { get; }

    internal LayerNorm LnPost { get; }

    public Parameter Proj { get; }

    // images: [B, 3, R, R] -> [B, E]
    public Tensor Forward(Tensor images, Action<string, Tensor>? observer = null)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        var features = new float[batch * OutputDim];
        Infer(images.Span, batch, features, observer);
        return new Tensor(features, batch, OutputDim);
    }

    // images: [B, 3, R, R] -> destination: [B, E]; the workspace is pooled, so a repeated call allocates nothing.
    public void Forward(Tensor images, Span<float> destination)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        Infer(images.Span, batch, destination, observer: null);
    }

    private unsafe void Infer(ReadOnlySpan<float> images, int batch, Span<float> destination, Action<string, Tensor>? observer)
    {
        var layout = new WorkspaceLayout();
        var l = new Layout(ref layout, this, batch, keep: false);
        using var buffer = new PooledBuffer(checked((int)layout.Count));
        fixed (float* arena = buffer.Span)
        {
            Run(images, batch, destination, new WorkspaceArena(arena, layout.Count), in l, observer);
        }
    }

    void IImageEncoder.Forward(ReadOnlySpan<float> images, int batch, Span<float> destination, Workspace workspace, ForwardPass pass)
    {
        ImageInput.Validate(images.Length, batch, ImageResolution);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        bool keep = pass == ForwardPass.Keep;
        var layout = new WorkspaceLayout();
        var l = new Layout(ref layout, this, batch, keep);
        WorkspaceArena ws = workspace.Arena(layout.Count);
        workspace.Forget();
        if (keep)
        {
            images.CopyTo(ws[l.Images]);
        }

        Run(images, batch, destination, ws, in l, observer: null);
        if (keep)
        {
            workspace.Record(this, batch, 0);
        }
    }

    /// <inheritdoc/>
    public int DenseGrid => Grid;

    /// <summary>
    /// Dense patch features without training (MaskCLIP, Zhou et al., ECCV 2022). With x the residual stream after
    /// every block but the last and the last block's ln_1, in_proj (its v rows) and out_proj, each patch token p gives
    /// <c>dense_p = ln_post(out_proj(ln_1(x)_p · W_vᵀ + b_v)) · proj</c>: the last block's query-key attention is
    /// replaced by each token attending to itself, and its residual and MLP are dropped, which keeps the features
    /// local while staying in the space that ln_post and proj map into the joint embedding. The class token is left
    /// out. images: [B, 3, R, R] -> [B, grid², E], patches in row-major order; not normalised.
    /// </summary>
    public Tensor ForwardDense(Tensor images)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        if (Transformer.Resblocks.Count == 0)
        {
            throw new InvalidOperationException("dense features read the last transformer block; this vision transformer has none.");
        }

        int w = Width;
        int patches = Grid * Grid;
        int tokens = Tokens;
        var layout = new WorkspaceLayout();
        var l = new Layout(ref layout, this, batch, keep: false);
        WorkspaceSlice valuesSlice = layout.Add((long)batch * tokens * w);
        WorkspaceSlice patchSlice = layout.Add((long)batch * patches * w);
        WorkspaceSlice normedSlice = layout.Add((long)batch * patches * w);
        var features = new float[batch * patches * OutputDim];
        using var buffer = new PooledBuffer(checked((int)layout.Count));
        unsafe
        {
            fixed (float* arena = buffer.Span)
            {
                var ws = new WorkspaceArena(arena, layout.Count);
                Embed(images.Span, batch, ws, in l, observer: null);
                int last = Transformer.Resblocks.Count - 1;
                Transformer.Forward(ws, l.Transformer, batch, tokens, last, observer: null);
                Span<float> values = ws[valuesSlice];
                Transformer.Resblocks[last].ValuePath(ws[l.Transformer.Stream(last)], values, ws, l.Transformer.BlockAt(last), batch, tokens);

                Span<float> patchRows = ws[patchSlice];
                for (int b = 0; b < batch; b++)
                {
                    values.Slice(((b * tokens) + 1) * w, patches * w).CopyTo(patchRows.Slice(b * patches * w, patches * w));
                }

                Span<float> normed = ws[normedSlice];
                LnPost.Forward(patchRows, normed, batch * patches);
                Projection.Forward(Proj, normed, batch * patches, features);
            }
        }

        return new Tensor(features, batch, patches, OutputDim);
    }

    // images: [B, 3, R, R] -> Stream(0) of the transformer: patch conv, class token, positions, ln_pre.
    private void Embed(ReadOnlySpan<float> images, int batch, WorkspaceArena ws, in Layout l, Action<string, Tensor>? observer)
    {
        int w = Width;
        int patches = Grid * Grid;
        int tokens = Tokens;

        Span<float> grid = ws[l.Grid];
        Span<float> embedded = ws[l.Embedded];
        Span<float> x = ws[l.Transformer.Stream(0)];
        Conv1.Forward(images, grid, batch, ImageResolution, ImageResolution);
        Observation.Report(observer, "visual.conv1.out", grid, batch, w, Grid, Grid);
        ClassEmbedding.Forward(grid, embedded, batch, patches);
        PositionalEmbedding.Forward(embedded, batch);
        LnPre.Forward(embedded, x, batch * tokens);
        Observation.Report(observer, "visual.ln_pre.out", x, batch, tokens, w);
    }

    // images: [B, 3, R, R] -> destination: [B, E], every activation in the arena's slices.
    private void Run(ReadOnlySpan<float> images, int batch, Span<float> destination, WorkspaceArena ws, in Layout l, Action<string, Tensor>? observer)
    {
        int w = Width;
        int tokens = Tokens;

        Embed(images, batch, ws, in l, observer);

        // Only the class token is read out, so only its rows are normalised, and inference runs the last block at
        // the class token alone (the same bits); keeping activations or observing blocks needs every row.
        Span<float> cls = ws[l.ClassTokens];
        if (observer is null && !l.Transformer.Keep)
        {
            int[]? rented = batch > 256 ? ArrayPool<int>.Shared.Rent(batch) : null;
            Span<int> readout = rented is null ? stackalloc int[batch] : rented.AsSpan(0, batch);
            readout.Clear();
            Transformer.ForwardReadout(ws, l.Transformer, batch, tokens, readout, cls);
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
        else
        {
            Transformer.Forward(ws, l.Transformer, batch, tokens, observer);
            Span<float> output = ws[l.Transformer.Stream(Transformer.Resblocks.Count)];
            for (int b = 0; b < batch; b++)
            {
                output.Slice(b * tokens * w, w).CopyTo(cls.Slice(b * w, w));
            }
        }

        Span<float> pooled = ws[l.Pooled];
        LnPost.Forward(cls, pooled, batch);
        Observation.Report(observer, "visual.ln_post.out", pooled, batch, w);

        Projection.Forward(Proj, pooled, batch, destination);
    }

    void IImageEncoder.Backward(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads, Span<float> dImages)
    {
        if (!dImages.IsEmpty)
        {
            ArgumentNullException.ThrowIfNull(workspace);
            ImageInput.Validate(dImages.Length, workspace.Batch, ImageResolution);
        }

        WorkspaceArena ws = BackwardTo(workspace, dFeatures, grads, 0, out Layout l);
        int batch = workspace.Batch;
        Span<float> dx = ws[l.Transformer.StreamGradient];
        Span<float> dEmbedded = ws[l.EmbeddedGradient];
        LnPre.Backward(ws[l.Embedded], dx, dEmbedded, batch * Tokens, grads);
        PositionalEmbedding.Backward(dEmbedded, batch, grads);
        Span<float> dGrid = ws[l.GridGradient];
        ClassEmbedding.Backward(dEmbedded, dGrid, batch, Grid * Grid, grads);
        Conv1.Backward(ws[l.Images], dGrid, dImages, batch, ImageResolution, ImageResolution, grads);
    }

    /// <summary>
    /// After a kept forward pass (<see cref="ForwardPass.Keep"/>) on <paramref name="workspace"/>: the residual stream
    /// entering block <paramref name="block"/> and the gradient of Σ_b dFeatures_b · features_b with respect to it,
    /// both for the patch tokens only (the class token is no place in the image). Parameter gradients accumulate
    /// into <paramref name="grads"/>. activations, gradients: [B, grid², W], patches in row-major order.
    /// </summary>
    internal void StreamGradient(
        Workspace workspace, ReadOnlySpan<float> dFeatures, int block, ParameterStore grads, Span<float> activations, Span<float> gradients)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, Transformer.Resblocks.Count);
        WorkspaceArena ws = BackwardTo(workspace, dFeatures, grads, block, out Layout l);
        int batch = workspace.Batch;
        int w = Width;
        int patches = Grid * Grid;
        if (activations.Length != batch * patches * w || gradients.Length != batch * patches * w)
        {
            throw new ArgumentException(
                $"activations and gradients must hold [{batch}, {patches}, {w}] floats, got {activations.Length} and {gradients.Length}.", nameof(activations));
        }

        ReadOnlySpan<float> stream = ws[l.Transformer.Stream(block)];
        ReadOnlySpan<float> dStream = ws[l.Transformer.StreamGradient];
        for (int b = 0; b < batch; b++)
        {
            int from = ((b * Tokens) + 1) * w;
            stream.Slice(from, patches * w).CopyTo(activations.Slice(b * patches * w, patches * w));
            dStream.Slice(from, patches * w).CopyTo(gradients.Slice(b * patches * w, patches * w));
        }
    }

    // The backward pass from the features down to the stream entering block downTo, left in the stream's gradient.
    private WorkspaceArena BackwardTo(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads, int downTo, out Layout l)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(grads);
        workspace.RequireFrom(this, "vision transformer");
        int batch = workspace.Batch;
        FeatureDestination.Validate(dFeatures.Length, batch, OutputDim);
        int w = Width;
        int tokens = Tokens;
        var layout = new WorkspaceLayout();
        l = new Layout(ref layout, this, batch, keep: true);
        WorkspaceArena ws = workspace.Arena(layout.Count);

        Span<float> dPooled = ws[l.PooledGradient];
        Projection.Backward(Proj, ws[l.Pooled], dFeatures, batch, dPooled, grads);
        Span<float> dCls = ws[l.ClassTokenGradient];
        LnPost.Backward(ws[l.ClassTokens], dPooled, dCls, batch, grads);

        // Only the class token of each sequence reaches the output.
        Span<float> dx = ws[l.Transformer.StreamGradient];
        dx.Clear();
        for (int b = 0; b < batch; b++)
        {
            dCls.Slice(b * w, w).CopyTo(dx.Slice(b * tokens * w, w));
        }

        Transformer.Backward(ws, l.Transformer, batch, tokens, grads, downTo);
        return ws;
    }

    // The tower's slices for a batch: the patch grid and the embedded tokens, the transformer's, the class tokens and
    // ln_post's output; kept, also a copy of the images (the patch conv's backward reads them) and the backward's own.
    private readonly struct Layout
    {
        public Layout(ref WorkspaceLayout layout, VisionTransformer tower, int batch, bool keep)
        {
            int w = tower.Width;
            long rows = (long)batch * tower.Tokens;
            long gridSize = (long)batch * w * tower.Grid * tower.Grid;
            Grid = layout.Add(gridSize);
            Embedded = layout.Add(rows * w);
            Transformer = tower.Transformer.Layout(ref layout, batch, tower.Tokens, keep);
            ClassTokens = layout.Add((long)batch * w);
            Pooled = layout.Add((long)batch * w);
            if (keep)
            {
                Images = layout.Add((long)batch * 3 * tower.ImageResolution * tower.ImageResolution);
                PooledGradient = layout.Add((long)batch * w);
                ClassTokenGradient = layout.Add((long)batch * w);
                EmbeddedGradient = layout.Add(rows * w);
                GridGradient = layout.Add(gridSize);
            }
        }

        /// <summary>The patch conv's output: [B, W, grid²].</summary>
        public WorkspaceSlice Grid { get; }

        /// <summary>Class token, patch tokens and positions: [B, T, W], ln_pre's input.</summary>
        public WorkspaceSlice Embedded { get; }

        public TransformerLayout Transformer { get; }

        /// <summary>The transformer's output at each class token: [B, W].</summary>
        public WorkspaceSlice ClassTokens { get; }

        /// <summary>ln_post of them, proj's input: [B, W].</summary>
        public WorkspaceSlice Pooled { get; }

        public WorkspaceSlice Images { get; }

        public WorkspaceSlice PooledGradient { get; }

        public WorkspaceSlice ClassTokenGradient { get; }

        public WorkspaceSlice EmbeddedGradient { get; }

        public WorkspaceSlice GridGradient { get; }
    }
}

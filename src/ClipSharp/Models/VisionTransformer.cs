using ClipSharp.Layers;
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
    public VisionTransformer(
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

    public Conv2d Conv1 { get; }

    public ClassEmbedding ClassEmbedding { get; }

    public PositionalEmbedding PositionalEmbedding { get; }

    public LayerNorm LnPre { get; }

    public Transformer Transformer { get; }

    public LayerNorm LnPost { get; }

    public Parameter Proj { get; }

    // images: [B, 3, R, R] -> [B, E]
    public Tensor Forward(Tensor images, Action<string, Tensor>? observer = null)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        var features = new float[batch * OutputDim];
        Run(images, batch, features, observer);
        return new Tensor(features, batch, OutputDim);
    }

    // images: [B, 3, R, R] -> destination: [B, E]; intermediates are pooled, so a repeated call allocates nothing.
    public void Forward(Tensor images, Span<float> destination)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        Run(images, batch, destination, observer: null);
    }

    private void Run(Tensor images, int batch, Span<float> destination, Action<string, Tensor>? observer)
    {
        int w = Width;
        int patches = Grid * Grid;
        int tokens = Tokens;

        using var x = new PooledBuffer(batch * tokens * w);
        using (var embedded = new PooledBuffer(batch * tokens * w))
        {
            using (var grid = new PooledBuffer(batch * w * patches))
            {
                Conv1.Forward(images.Span, grid.Span, batch, ImageResolution, ImageResolution);
                Observation.Report(observer, "visual.conv1.out", grid.Span, batch, w, Grid, Grid);
                ClassEmbedding.Forward(grid.Span, embedded.Span, batch, patches);
            }

            PositionalEmbedding.Forward(embedded.Span, batch);
            LnPre.Forward(embedded.Span, x.Span, batch * tokens);
        }

        Observation.Report(observer, "visual.ln_pre.out", x.Span, batch, tokens, w);

        Transformer.Forward(x.Span, batch, tokens, observer);

        // Only the class token is read out, so only its rows are normalised.
        using var cls = new PooledBuffer(batch * w);
        for (int b = 0; b < batch; b++)
        {
            x.Span.Slice(b * tokens * w, w).CopyTo(cls.Span.Slice(b * w, w));
        }

        using var pooled = new PooledBuffer(batch * w);
        LnPost.Forward(cls.Span, pooled.Span, batch);
        Observation.Report(observer, "visual.ln_post.out", pooled.Span, batch, w);

        Projection.Forward(Proj, pooled.Span, batch, destination);
    }

    public ImageActivations ForwardTraining(Tensor images)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        int w = Width;
        int patches = Grid * Grid;
        int tokens = Tokens;

        var grid = new float[batch * w * patches];
        Conv1.Forward(images.Span, grid, batch, ImageResolution, ImageResolution);
        var embedded = new float[batch * tokens * w];
        ClassEmbedding.Forward(grid, embedded, batch, patches);
        PositionalEmbedding.Forward(embedded, batch);

        var x = new float[batch * tokens * w];
        LnPre.Forward(embedded, x, batch * tokens);
        IReadOnlyList<BlockActivations> blocks = Transformer.ForwardTraining(x, batch, tokens);

        var cls = new float[batch * w];
        for (int b = 0; b < batch; b++)
        {
            x.AsSpan(b * tokens * w, w).CopyTo(cls.AsSpan(b * w, w));
        }

        var pooled = new float[batch * w];
        LnPost.Forward(cls, pooled, batch);
        float[] features = Projection.Forward(Proj, pooled, batch);
        return new VisionActivations(new Tensor(features, batch, OutputDim), images, embedded, blocks, cls, pooled);
    }

    public void Backward(ImageActivations activations, ReadOnlySpan<float> dFeatures, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        if (activations is not VisionActivations a)
        {
            throw new ArgumentException("activations come from another image tower.", nameof(activations));
        }

        int batch = a.Batch;
        int w = Width;
        int patches = Grid * Grid;
        int tokens = Tokens;

        float[] dPooled = Projection.Backward(Proj, a.Pooled, dFeatures, batch, grads);
        var dCls = new float[batch * w];
        LnPost.Backward(a.ClassTokens, dPooled, dCls, batch, grads);

        var dx = new float[batch * tokens * w];
        for (int b = 0; b < batch; b++)
        {
            dCls.AsSpan(b * w, w).CopyTo(dx.AsSpan(b * tokens * w, w));
        }

        Transformer.Backward(a.Blocks, dx, batch, tokens, grads);
        var dEmbedded = new float[batch * tokens * w];
        LnPre.Backward(a.Embedded, dx, dEmbedded, batch * tokens, grads);
        PositionalEmbedding.Backward(dEmbedded, batch, grads);
        var dGrid = new float[batch * w * patches];
        ClassEmbedding.Backward(dEmbedded, dGrid, batch, patches, grads);
        Conv1.Backward(a.Images.Span, dGrid, default, batch, ImageResolution, ImageResolution, grads);
    }

    private sealed class VisionActivations(
        Tensor features, Tensor images, float[] embedded, IReadOnlyList<BlockActivations> blocks, float[] classTokens, float[] pooled)
        : ImageActivations(features)
    {
        public Tensor Images { get; } = images;

        public float[] Embedded { get; } = embedded;

        public IReadOnlyList<BlockActivations> Blocks { get; } = blocks;

        public float[] ClassTokens { get; } = classTokens;

        public float[] Pooled { get; } = pooled;
    }
}

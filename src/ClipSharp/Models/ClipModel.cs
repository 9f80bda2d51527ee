using ClipSharp.Checkpoints;
using ClipSharp.Layers;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Models;

/// <summary>
/// Contrastive Language-Image Pre-training: an image tower and a text tower projected into one embedding space,
/// compared by cosine similarity times exp(logit_scale). Parameters live in one contiguous store, BatchNorm
/// running statistics in a second one; both are addressed by the reference state-dict names.
/// </summary>
public sealed class ClipModel
{
    // packed: parameters that get no slot in the store because they will be held as packed weights.
    private ClipModel(Architecture architecture, IReadOnlySet<string>? packed = null)
    {
        Config = architecture.Config;
        Visual = architecture.Visual;
        Text = architecture.Text;
        LogitScaleParameter = architecture.LogitScale;
        Parameters = packed is null ? ParameterStore.Allocate(architecture.Parameters) : ParameterStore.Allocate(architecture.Parameters, packed);
        Buffers = ParameterStore.Allocate(architecture.Buffers);
    }

    public ClipConfig Config { get; }

    public IImageEncoder Visual { get; }

    public TextTransformer Text { get; }

    public Parameter LogitScaleParameter { get; }

    /// <summary>Every trainable tensor, in one flat buffer.</summary>
    public ParameterStore Parameters { get; }

    /// <summary>BatchNorm running statistics (empty for a ViT).</summary>
    public ParameterStore Buffers { get; }

    /// <summary>The raw parameter; exp() of it is the logit multiplier.</summary>
    public float LogitScale => LogitScaleParameter.Value.Span[0];

    public long ParameterCount => Parameters.Layout.Count;

    /// <summary>A model with the reference's initial values (normal draws from a seeded generator).</summary>
    public static ClipModel Create(ClipConfig config) => Create(config, seed: 0);

    public static ClipModel Create(ClipConfig config, int seed)
    {
        var model = new ClipModel(Architecture.Build(config));
        model.Parameters.Initialize(seed);
        model.Buffers.Initialize(seed);
        return model;
    }

    /// <summary>
    /// Loads OpenAI-named float tensors. Strict: every parameter and buffer must be present with its exact shape
    /// and nothing else may be; BatchNorm's num_batches_tracked counters are ignored.
    /// </summary>
    public static ClipModel FromStateDict(ClipConfig config, IReadOnlyDictionary<string, Tensor> stateDict)
        => Load(config, stateDict, packForInference: false);

    /// <summary>
    /// As <see cref="FromStateDict"/>, for inference only: an in-memory state dict's matrix weights are packed
    /// for the GEMM as float32 instead of copied into the store, as a state dict read straight from the file always is.
    /// </summary>
    internal static ClipModel FromStateDictForInference(ClipConfig config, IReadOnlyDictionary<string, Tensor> stateDict)
        => Load(config, stateDict, packForInference: true);

    // A state dict read straight from the file always gives an inference model (matrix weights packed for the GEMM);
    // an in-memory one does with packForInference, else every weight goes into the store, as training needs.
    private static ClipModel Load(ClipConfig config, IReadOnlyDictionary<string, Tensor> stateDict, bool packForInference)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        Architecture architecture = Architecture.Build(config);

        var missing = new List<string>();
        var shapes = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (Parameter p in architecture.Parameters.Entries.Concat(architecture.Buffers.Entries))
        {
            expected.Add(p.Name);
            if (!stateDict.ContainsKey(p.Name))
            {
                missing.Add($"{p.Name} (expected {p.ShapeString})");
            }
            else if (ShapeOf(stateDict, p.Name) is not { } found || !p.HasShape(found))
            {
                shapes.Add($"{p.Name} (expected {p.ShapeString}, found {ShapeString(ShapeOf(stateDict, p.Name))})");
            }
        }

        var unexpected = stateDict.Keys
            .Where(name => !expected.Contains(name) && !name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
            .Select(name => $"{name} (found {ShapeString(ShapeOf(stateDict, name))})")
            .Order(StringComparer.Ordinal)
            .ToList();

        if (missing.Count > 0 || unexpected.Count > 0 || shapes.Count > 0)
        {
            throw new StateDictMismatchException(missing, unexpected, shapes);
        }

        if (stateDict is DeferredStateDict deferred)
        {
            // Straight from the file: matrix weights are packed for the GEMM once, here, instead of on every product
            // (f16/int8 stay in that precision); they take no slot in the float32 store.
            var packed = architecture.Parameters.Entries.Where(p => deferred.IsPackedWeight(p.Name)).ToList();
            var loaded = new ClipModel(architecture, packed.Select(p => p.Name).ToHashSet(StringComparer.Ordinal));
            deferred.CopyInto(architecture.Parameters.Entries.Except(packed).Concat(architecture.Buffers.Entries), packed);
            return loaded;
        }

        var matrices = packForInference
            ? architecture.Parameters.Entries.Where(p => QuantizedWeights.IsQuantizable(p.Name, p.Shape)).ToList()
            : [];
        var model = matrices.Count == 0
            ? new ClipModel(architecture)
            : new ClipModel(architecture, matrices.Select(p => p.Name).ToHashSet(StringComparer.Ordinal));
        foreach (Parameter p in architecture.Parameters.Entries.Except(matrices).Concat(architecture.Buffers.Entries))
        {
            stateDict[p.Name].Span.CopyTo(p.Value.Span);
        }

        foreach (Parameter p in matrices)
        {
            (int n, int k) = QuantizedWeights.MatrixShape(p.Name, p.Shape);
            p.AttachPacked(PackedWeight.FromFloat32(stateDict[p.Name].Span, n, k, QuantizedWeights.IsInputMajor(p.Name)));
        }

        return model;
    }

    // A deferred state dict answers shapes from the file's header without reading the tensors.
    private static int[]? ShapeOf(IReadOnlyDictionary<string, Tensor> stateDict, string name)
        => stateDict is DeferredStateDict deferred
            ? deferred.TryGetShape(name, out int[]? shape) ? shape : null
            : stateDict.TryGetValue(name, out Tensor? t) ? t?.Shape.ToArray() : null;

    private static string ShapeString(int[]? shape) => shape is null ? "null" : $"[{string.Join(", ", shape)}]";

    /// <summary>Counts the parameters of an architecture without allocating them.</summary>
    public static long CountParameters(ClipConfig config) => Architecture.Build(config).Parameters.Count;

    // images: [B, 3, R, R], already normalised -> [B, E] raw projections.
    public Tensor EncodeImage(Tensor images) => Visual.Forward(images);

    /// <summary>As <see cref="EncodeImage(Tensor)"/>, handing named intermediates (copies) to the observer.</summary>
    public Tensor EncodeImage(Tensor images, Action<string, Tensor>? observer) => Visual.Forward(images, observer);

    /// <summary>
    /// As <see cref="EncodeImage(Tensor)"/>, into a caller's buffer of exactly [B, E] floats: after a first call of the
    /// same shape it allocates no managed memory (intermediates are pooled per call, so concurrent calls are safe).
    /// </summary>
    // images: [B, 3, R, R] -> destination: [B, E] raw projections.
    public void EncodeImage(Tensor images, Span<float> destination) => Visual.Forward(images, destination);

    /// <summary>Dense image features (MaskCLIP): [B, 3, R, R] -> [B, G², E], see <see cref="IImageEncoder.ForwardDense"/>.</summary>
    public Tensor EncodeImageDense(Tensor images) => Visual.ForwardDense(images);

    // tokens: [B, ctx] row-major -> [B, E] raw projections.
    public Tensor EncodeText(ReadOnlySpan<int> tokens, int batch) => Text.Forward(tokens, batch);

    /// <summary>As <see cref="EncodeText(ReadOnlySpan{int}, int)"/>, into a caller's buffer of exactly [B, E] floats, allocation-free in steady state.</summary>
    // tokens: [B, ctx] row-major -> destination: [B, E] raw projections.
    public void EncodeText(ReadOnlySpan<int> tokens, int batch, Span<float> destination) => Text.Forward(tokens, batch, destination);

    public Tensor EncodeText(ReadOnlySpan<int> tokens, int batch, Action<string, Tensor>? observer) => Text.Forward(tokens, batch, observer);

    /// <summary>Cosine-similarity logits: rows normalised, × exp(logit_scale). logitsPerText is the exact transpose.</summary>
    public (Tensor logitsPerImage, Tensor logitsPerText) Logits(Tensor imageFeatures, Tensor textFeatures)
    {
        ArgumentNullException.ThrowIfNull(imageFeatures);
        ArgumentNullException.ThrowIfNull(textFeatures);
        int e = Config.EmbedDim;
        RequireFeatures(imageFeatures, e, nameof(imageFeatures));
        RequireFeatures(textFeatures, e, nameof(textFeatures));
        int images = imageFeatures.Dim(0);
        int texts = textFeatures.Dim(0);

        Tensor img = Normalize(imageFeatures);
        Tensor txt = Normalize(textFeatures);
        float scale = MathF.Exp(LogitScale);
        var perImage = new float[images * texts];
        Gemm.Sgemm(false, true, images, texts, e, scale, img.Span, e, txt.Span, e, 0f, perImage, texts);

        var perText = new float[texts * images];
        for (int i = 0; i < images; i++)
        {
            for (int t = 0; t < texts; t++)
            {
                perText[(t * images) + i] = perImage[(i * texts) + t];
            }
        }

        return (new Tensor(perImage, images, texts), new Tensor(perText, texts, images));
    }

    /// <summary>Each row divided by its L2 norm: features: [N, E] -> [N, E].</summary>
    public static Tensor Normalize(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank != 2)
        {
            throw new ArgumentException($"features must be [N, E], got {features.ShapeString}.", nameof(features));
        }

        int n = features.Dim(0);
        int e = features.Dim(1);
        var result = new float[n * e];
        for (int r = 0; r < n; r++)
        {
            ReadOnlySpan<float> row = features.Span.Slice(r * e, e);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), result.AsSpan(r * e, e));
        }

        return new Tensor(result, n, e);
    }

    /// <summary>Trainable tensors as views, by reference name, in layout order.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
        => Parameters.Layout.Entries.Select(p => (p.Name, p.Value));

    /// <summary>
    /// Parameters and BatchNorm buffers as views, by reference name. Weights held packed (an inference model's
    /// matrix weights) appear as float32 copies, dequantised from f16/int8.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var dict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (Parameter p in Parameters.Layout.Entries.Concat(Buffers.Layout.Entries))
        {
            dict.Add(p.Name, p.Packed is { } packed
                ? new Tensor(packed.Dequantize(QuantizedWeights.IsInputMajor(p.Name)), p.Shape.ToArray())
                : p.Value);
        }

        return dict;
    }

    /// <summary>The weights held packed for inference, by reference name (empty for a model built to train).</summary>
    public IEnumerable<(string Name, PackedWeight Weight)> PackedWeights()
        => Parameters.Layout.Entries.Where(p => p.Packed is not null).Select(p => (p.Name, p.Packed!));

    private static void RequireFeatures(Tensor features, int embedDim, string name)
    {
        if (features.Rank != 2 || features.Dim(1) != embedDim || features.Dim(0) == 0)
        {
            throw new ArgumentException($"{name} must have shape [N >= 1, {embedDim}], got {features.ShapeString}.", name);
        }
    }

    /// <summary>The towers declared against fresh layouts; nothing is allocated until a store binds them.</summary>
    private sealed record Architecture(
        ClipConfig Config, ParameterLayout Parameters, ParameterLayout Buffers,
        IImageEncoder Visual, TextTransformer Text, Parameter LogitScale)
    {
        public static Architecture Build(ClipConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            Validate(config);
            var parameters = new ParameterLayout();
            var buffers = new ParameterLayout();
            var root = new ParameterScope(parameters, buffers);
            ParameterScope visual = root.Child("visual");

            IImageEncoder image = config.IsVisionTransformer
                ? new VisionTransformer(
                    visual, config.ImageResolution, config.VisionPatchSize!.Value, config.VisionWidth, config.VisionLayers[0],
                    config.VisionHeads, config.EmbedDim, config.Activation)
                : new ModifiedResNet(
                    visual, config.VisionLayers, config.EmbedDim, config.VisionHeads, config.ImageResolution, config.VisionWidth);

            var text = new TextTransformer(
                root, config.ContextLength, config.VocabSize, config.TransformerWidth, config.TransformerHeads,
                config.TransformerLayers, config.EmbedDim, config.Activation);

            // ln(1/0.07): the temperature the reference starts training from.
            Parameter logitScale = root.Parameter("logit_scale", [], ParameterInit.Constant, MathF.Log(1f / 0.07f));
            return new Architecture(config, parameters, buffers, image, text, logitScale);
        }

        private static void Validate(ClipConfig c)
        {
            var problems = new List<string>();
            void Positive(int value, string name)
            {
                if (value < 1)
                {
                    problems.Add($"{name} must be >= 1, got {value}");
                }
            }

            Positive(c.EmbedDim, nameof(c.EmbedDim));
            Positive(c.ImageResolution, nameof(c.ImageResolution));
            Positive(c.VisionWidth, nameof(c.VisionWidth));
            Positive(c.VisionHeads, nameof(c.VisionHeads));
            Positive(c.ContextLength, nameof(c.ContextLength));
            Positive(c.VocabSize, nameof(c.VocabSize));
            Positive(c.TransformerWidth, nameof(c.TransformerWidth));
            Positive(c.TransformerHeads, nameof(c.TransformerHeads));
            if (c.TransformerLayers < 0)
            {
                problems.Add($"TransformerLayers must be >= 0, got {c.TransformerLayers}");
            }

            int expectedStages = c.IsVisionTransformer ? 1 : 4;
            if (c.VisionLayers is null || c.VisionLayers.Count != expectedStages)
            {
                problems.Add(c.IsVisionTransformer
                    ? $"a Vision Transformer (patch size set) takes one VisionLayers entry (its depth), got {c.VisionLayers?.Count ?? 0}"
                    : $"a ModifiedResNet (no patch size) takes four VisionLayers entries, got {c.VisionLayers?.Count ?? 0}");
            }

            if (problems.Count > 0)
            {
                throw new ArgumentException("invalid CLIP config: " + string.Join("; ", problems) + ".", "config");
            }
        }
    }

    /// <summary>A zeroed gradient buffer with the parameters' layout (index it with <see cref="ParameterStore.View"/>).</summary>
    public ParameterStore CreateGradients() => ParameterStore.Allocate(Parameters.Layout, bind: false);

    /// <summary>True for the image tower's parameters (reference names under <c>visual.</c>).</summary>
    public static bool IsImageParameter(string name) => name.StartsWith("visual.", StringComparison.Ordinal);

    /// <summary>True for the text tower's parameters: everything outside <c>visual.</c> except <c>logit_scale</c>.</summary>
    public static bool IsTextParameter(string name) => !IsImageParameter(name) && name != "logit_scale";
}

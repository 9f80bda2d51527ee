using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;
using ClipSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Localization;

/// <summary>
/// <see cref="LocateMethod.Gradient"/>: the backward pass of each prompt's cosine with the image embedding, down to
/// activations near the top of the image tower, whose activations and gradients at every cell are then weighted into
/// one relevance per cell (<see cref="RelevanceWeighting"/>). For a ViT, one kept forward pass of the image per prompt
/// (the same image, batched) and the backward down to the residual stream entering a block; for a ResNet, layer4's
/// output (<see cref="ResNetRelevance"/>). The parameter gradients the backward pass also produces are not wanted;
/// they go into a buffer, dropped afterwards, for only the parameters the pass goes through (<see cref="BackwardEntries"/>).
/// </summary>
internal static class GradientRelevance
{
    /// <summary>The tower gradient relevance reads, checked: the reason when the model cannot be used.</summary>
    /// <exception cref="NotSupportedException">
    /// The model's weights are packed for inference only, or its image tower is neither a ViT nor a ResNet.
    /// </exception>
    /// <exception cref="LocateOptionsException">A depth the tower does not have.</exception>
    public static IImageEncoder Tower(ClipModel model, int? depth)
    {
        if (!model.Parameters.HoldsEveryEntry)
        {
            throw new NotSupportedException(
                "gradient relevance runs the backward pass, which needs every weight as float32: load the model with Clip.FromCheckpoint(ModelFolder.Load(path)) rather than Clip.Load, which packs weights for inference.");
        }

        switch (model.Visual)
        {
            case VisionTransformer vit:
                int blocks = vit.Transformer.Resblocks.Count;
                if (depth is { } d && (d < 1 || d > blocks + 1))
                {
                    throw new LocateOptionsException(
                        nameof(LocateOptions.Depth), depth, $"the depth counts blocks from the top: 1 to {blocks} for this tower, or {blocks + 1} for the input pixels.");
                }

                return vit;
            case ModifiedResNet resnet:
                if (depth is not (null or 1))
                {
                    throw new LocateOptionsException(
                        nameof(LocateOptions.Depth), depth, "a ResNet tower is read at layer4's output, the map entering its attention pool: the depth is 1 or unset.");
                }

                return resnet;
            default:
                throw new NotSupportedException($"gradient relevance reads a ViT or a ResNet image tower, not a {model.Visual.GetType().Name}.");
        }
    }

    /// <summary>Cells per side of the relevance grid: the patches, or the pixels at the pixel depth; a ResNet's R/32.</summary>
    public static int GridSize(ClipModel model, int? depth) => Tower(model, depth) switch
    {
        VisionTransformer vit => depth > vit.Transformer.Resblocks.Count ? vit.ImageResolution : vit.Grid,
        IImageEncoder tower => tower.DenseGrid,
    };

    /// <summary>The depth itself: null is every block of a ViT, the stream entering the first (ln_pre's output); a ResNet has only 1.</summary>
    public static int Resolve(ClipModel model, int? depth) => depth ?? (Tower(model, depth) is VisionTransformer vit ? vit.Transformer.Resblocks.Count : 1);

    /// <summary>
    /// The activations the depth reads at every cell and the gradients there of each prompt's cosine: for a ViT those
    /// entering block (blocks − depth) at the patch tokens, for a ResNet layer4's output. pixels [3, R, R] normalised,
    /// texts [P, E] unit rows -> activations and gradients [P, G², W], cells row-major. A ViT's parameter gradients
    /// go into <paramref name="discarded"/> when given (the whole model's, for a test), else into a buffer holding
    /// only <see cref="BackwardEntries"/>.
    /// </summary>
    public static (float[] Activations, float[] Gradients) Backward(
        ClipModel model, ReadOnlySpan<float> pixels, Tensor texts, int? depthOrAll, ParameterStore? discarded = null)
    {
        IImageEncoder checkedTower = Tower(model, depthOrAll);
        if (checkedTower is ModifiedResNet resnet)
        {
            return ResNetRelevance.Backward(model, resnet, pixels, texts);
        }

        var vit = (VisionTransformer)checkedTower;
        int depth = Resolve(model, depthOrAll);
        IImageEncoder tower = vit;
        int prompts = texts.Dim(0);
        int e = tower.OutputDim;
        var images = new float[prompts * pixels.Length];
        for (int p = 0; p < prompts; p++)
        {
            pixels.CopyTo(images.AsSpan(p * pixels.Length));
        }

        var features = new float[prompts * e];
        var dFeatures = new float[prompts * e];
        using var workspace = new Workspace();
        tower.Forward(images, prompts, features, workspace, ForwardPass.Keep);
        for (int p = 0; p < prompts; p++)
        {
            CosineGradient(features.AsSpan(p * e, e), texts.Span.Slice(p * e, e), dFeatures.AsSpan(p * e, e));
        }

        discarded ??= ParameterStore.AllocateFor(model.Parameters.Layout, BackwardEntries(model, vit, depth));
        if (depth > vit.Transformer.Resblocks.Count)
        {
            // The input pixels: [P, 3, R, R] planes, turned into [P, R², 3] rows.
            var dImages = new float[images.Length];
            tower.Backward(workspace, dFeatures, discarded, dImages);
            return (Rows(images, prompts, 3), Rows(dImages, prompts, 3));
        }

        int size = prompts * vit.Grid * vit.Grid * vit.Width;
        var activations = new float[size];
        var gradients = new float[size];
        vit.StreamGradient(workspace, dFeatures, vit.Transformer.Resblocks.Count - depth, discarded, activations, gradients);
        return (activations, gradients);
    }

    /// <summary>
    /// The parameters a ViT's backward pass to the depth writes gradients for: proj and ln_post, every block it goes
    /// down through, and at the pixel depth ln_pre, the positional and class embeddings and conv1 too. A gradient
    /// buffer for the whole model would be allocated and zeroed for nothing in the other blocks, and the text tower.
    /// </summary>
    internal static IEnumerable<Parameter> BackwardEntries(ClipModel model, VisionTransformer vit, int depth)
    {
        int blocks = vit.Transformer.Resblocks.Count;
        bool toPixels = depth > blocks;
        yield return vit.Proj;
        yield return vit.LnPost.Weight;
        yield return vit.LnPost.Bias;
        for (int i = toPixels ? 0 : blocks - depth; i < blocks; i++)
        {
            // A block's parameters are exactly those under its scope.
            string scope = vit.Transformer.Resblocks[i].Name + ".";
            foreach (Parameter p in model.Parameters.Layout.Entries.Where(p => p.Name.StartsWith(scope, StringComparison.Ordinal)))
            {
                yield return p;
            }
        }

        if (toPixels)
        {
            yield return vit.LnPre.Weight;
            yield return vit.LnPre.Bias;
            yield return vit.PositionalEmbedding.Weight;
            yield return vit.ClassEmbedding.Weight;
            yield return vit.Conv1.Weight;
            if (vit.Conv1.Bias is { } bias)
            {
                yield return bias;
            }
        }
    }

    // [B, C, H, W] planes -> [B, H·W, C] rows: one row of channels per cell.
    internal static float[] Rows(float[] planes, int batch, int channels)
    {
        var rows = new float[planes.Length];
        int plane = planes.Length / batch / channels;
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < plane; i++)
                {
                    rows[(((b * plane) + i) * channels) + c] = planes[(((b * channels) + c) * plane) + i];
                }
            }
        }

        return rows;
    }

    /// <summary>[P] of [G²] relevances: pixels [3, R, R] normalised, texts [P, E] unit rows.</summary>
    public static float[][] Cells(ClipModel model, ReadOnlySpan<float> pixels, Tensor texts, LocateOptions options)
    {
        (float[] activations, float[] gradients) = Backward(model, pixels, texts, options.Depth);
        int g = GridSize(model, options.Depth);
        int cells = g * g;
        int w = activations.Length / texts.Dim(0) / cells;
        var result = new float[texts.Dim(0)][];
        for (int p = 0; p < result.Length; p++)
        {
            result[p] = Weigh(activations.AsSpan(p * cells * w, cells * w), gradients.AsSpan(p * cells * w, cells * w), cells, w, options.Weighting);
        }

        return result;
    }

    // activations, gradients: [cells, W] -> [cells].
    internal static float[] Weigh(ReadOnlySpan<float> activations, ReadOnlySpan<float> gradients, int cells, int width, RelevanceWeighting weighting)
    {
        var relevance = new float[cells];
        if (weighting == RelevanceWeighting.GradCam)
        {
            var weights = new float[width];
            for (int c = 0; c < cells; c++)
            {
                TensorPrimitives.Add(weights, gradients.Slice(c * width, width), weights);
            }

            TensorPrimitives.Multiply(weights, 1f / cells, weights);
            for (int c = 0; c < cells; c++)
            {
                relevance[c] = MathF.Max(0f, TensorPrimitives.Dot(weights, activations.Slice(c * width, width)));
            }
        }
        else
        {
            for (int c = 0; c < cells; c++)
            {
                relevance[c] = MathF.Max(0f, TensorPrimitives.Dot(gradients.Slice(c * width, width), activations.Slice(c * width, width)));
            }
        }

        return relevance;
    }

    // The gradient of cos(f, t) = (f / |f|) · t with respect to f, t of unit length: (t − cos · u) / |f|, u = f / |f|.
    internal static void CosineGradient(ReadOnlySpan<float> feature, ReadOnlySpan<float> text, Span<float> gradient)
    {
        float norm = TensorPrimitives.Norm(feature);
        float cosine = TensorPrimitives.Dot(feature, text) / norm;
        for (int i = 0; i < feature.Length; i++)
        {
            gradient[i] = (text[i] - (cosine * feature[i] / norm)) / norm;
        }
    }
}

using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.ZeroShot;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Localization;

/// <summary>
/// Text-prompted heat maps, "where CLIP looks", without any training. Each cell of a grid gets a score for a prompt
/// by one of three methods (<see cref="LocateMethod"/>): the cosine of the image tower's dense feature there with the
/// prompt's text embedding (MaskCLIP, see <see cref="IImageEncoder.ForwardDense"/>), the gradient relevance of the
/// cell's activations for the image-prompt cosine, or how much occluding the cell lowers that cosine (on a grid finer
/// than the model's). The grid is upsampled bilinearly onto the
/// image's own pixels (see <see cref="GridUpsampler"/>). The image is preprocessed exactly as for embedding, so the
/// grid covers the centre crop CLIP sees (<see cref="ModelView"/>).
/// </summary>
public sealed class ClipLocator
{
    /// <summary>The default mask threshold on the normalised heat.</summary>
    public const float DefaultThreshold = 0.5f;

    /// <summary>Prompts taken verbatim: <see cref="Locate(DecodedImage, IReadOnlyList{string}, IReadOnlyList{string}?, float)"/>'s default.</summary>
    public static IReadOnlyList<string> Verbatim { get; } = [PromptTemplates.Placeholder];

    private ClipLocator(Clip clip, LocateOptions options)
    {
        Clip = clip;
        Options = options;
    }

    public Clip Clip { get; }

    public LocateOptions Options { get; }

    public LocateMethod Method => Options.Method;

    /// <summary>Cells per side of the grid heat maps are computed on.</summary>
    public int GridSize => Method switch
    {
        LocateMethod.Gradient => GradientRelevance.GridSize(Clip.Model, Options.Depth),
        LocateMethod.Occlusion => OcclusionSensitivity.GridSize(Clip.Model, Options),
        _ => Clip.Model.Visual.DenseGrid,
    };

    /// <summary>
    /// Image-tower passes one image's heat maps cost for <paramref name="prompts"/> prompts, known before any work:
    /// the occlusion method's occluded copies and the image itself, shared by every prompt (1 + Σ (G + k − 1)²,
    /// docs/localization.md); a ViT's gradient relevance one kept forward pass per prompt, each with its backward
    /// pass; a ResNet's, and the dense method, one.
    /// </summary>
    public int ImageEmbeddings(int prompts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prompts, 1);
        return Method switch
        {
            LocateMethod.Occlusion => OcclusionSensitivity.Passes(Clip.Model, Options),
            LocateMethod.Gradient when Clip.Model.Visual is VisionTransformer => prompts,
            _ => 1,
        };
    }

    /// <exception cref="NotSupportedException">The gradient method with weights packed for inference (<c>Clip.Load</c>).</exception>
    /// <exception cref="LocateOptionsException">Options the model cannot be located with (naming the option).</exception>
    public static ClipLocator Create(Clip clip, LocateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        options ??= LocateOptions.Default;
        if (options.Method == LocateMethod.Gradient)
        {
            GradientRelevance.Tower(clip.Model, options.Depth);
        }
        else if (options.Method == LocateMethod.Occlusion)
        {
            OcclusionSensitivity.Geometry(clip.Model, options);
        }
        else if (options.Method != LocateMethod.Dense)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Method, "unknown locate method.");
        }

        return new ClipLocator(clip, options);
    }

    /// <summary>The same model located by another method.</summary>
    public ClipLocator With(LocateOptions options) => Create(Clip, options);

    /// <summary>
    /// Unit-length text embeddings of <paramref name="prompts"/>: [P, E]. Each prompt is put into every template and
    /// the normalised embeddings are averaged and normalised again, as zero-shot classification does.
    /// </summary>
    public Tensor EmbedPrompts(IReadOnlyList<string> prompts, IReadOnlyList<string> templates)
        => ZeroShotClassifier.Create(Clip, prompts, templates).ClassEmbeddings;

    /// <summary>The image's unit-length dense features: [G², E], cells in row-major order.</summary>
    public Tensor EncodeDense(DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int r = Clip.ImageTransform.Resolution;
        float[] pixels = Clip.ImageTransform.Apply(image);
        Tensor dense = Clip.Model.EncodeImageDense(new Tensor(pixels, 1, 3, r, r));
        return ClipModel.Normalize(dense.Reshape(dense.Dim(1), dense.Dim(2)));
    }

    /// <summary>
    /// Locates each prompt in the image. Prompts are used verbatim unless <paramref name="templates"/> are given
    /// (free descriptions such as "a red star" read best as they are). <paramref name="threshold"/> in [0, 1] sets
    /// the mask on each map's normalised heat.
    /// </summary>
    public IReadOnlyList<PromptLocation> Locate(
        DecodedImage image, IReadOnlyList<string> prompts, IReadOnlyList<string>? templates = null, float threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        return Locate(image, prompts, EmbedPrompts(prompts, templates ?? Verbatim), threshold);
    }

    /// <summary>The same with the prompts' embeddings already computed (<see cref="EmbedPrompts"/>): [P, E].</summary>
    public IReadOnlyList<PromptLocation> Locate(DecodedImage image, IReadOnlyList<string> prompts, Tensor promptEmbeddings, float threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(prompts);
        if (!(threshold >= 0f && threshold <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the mask threshold is a normalised heat in [0, 1].");
        }

        return Locations(prompts, HeatMaps(image, prompts, promptEmbeddings), threshold);
    }

    /// <summary>
    /// Labels every pixel with the label whose heat is highest there. Labels are class names, put into
    /// <paramref name="templates"/> (default: <see cref="PromptTemplates.Default"/>, as for zero-shot classification);
    /// include a label for what is not an object of interest ("background") so that it has somewhere to go.
    /// </summary>
    public Segmentation Segment(DecodedImage image, IReadOnlyList<string> labels, IReadOnlyList<string>? templates = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Segment(image, labels, EmbedPrompts(labels, templates ?? PromptTemplates.Default));
    }

    /// <summary>The same with the labels' embeddings already computed (<see cref="EmbedPrompts"/>): [L, E].</summary>
    public Segmentation Segment(DecodedImage image, IReadOnlyList<string> labels, Tensor labelEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        return Segment(image, labels, Scores(image, labels, labelEmbeddings));
    }

    /// <summary>
    /// <see cref="Locate(DecodedImage, IReadOnlyList{string}, Tensor, float)"/> of the first <paramref name="located"/>
    /// labels and <see cref="Segment(DecodedImage, IReadOnlyList{string}, Tensor)"/> of all, from one scoring of the
    /// image: each label's cells do not depend on the others, and a method that runs the image tower many times
    /// (occlusion) should not run it twice.
    /// </summary>
    internal (IReadOnlyList<PromptLocation> Located, Segmentation Segmentation) LocateAndSegment(
        DecodedImage image, IReadOnlyList<string> labels, Tensor labelEmbeddings, int located, float threshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(located, labels.Count);
        float[][] cells = Scores(image, labels, labelEmbeddings);
        return (Locations(labels, Maps(image, cells[..located]), threshold), Segment(image, labels, cells));
    }

    private static PromptLocation[] Locations(IReadOnlyList<string> prompts, IReadOnlyList<HeatMap> maps, float threshold)
    {
        var result = new PromptLocation[maps.Count];
        for (int p = 0; p < maps.Count; p++)
        {
            result[p] = PromptLocation.From(prompts[p], maps[p], threshold);
        }

        return result;
    }

    private Segmentation Segment(DecodedImage image, IReadOnlyList<string> labels, float[][] cells)
    {
        GridUpsampler up = Upsampler(image);
        var map = new int[image.Width * image.Height];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int best = 0;
                float bestValue = up.At(cells[0], x, y);
                for (int l = 1; l < cells.Length; l++)
                {
                    float v = up.At(cells[l], x, y);
                    if (v > bestValue)
                    {
                        best = l;
                        bestValue = v;
                    }
                }

                map[(y * image.Width) + x] = best;
            }
        }

        return new Segmentation([.. labels], image.Width, image.Height, map);
    }

    /// <summary>One heat map per prompt, [P] of [height, width] scores (see <see cref="HeatMap"/>).</summary>
    public IReadOnlyList<HeatMap> HeatMaps(DecodedImage image, IReadOnlyList<string> prompts, Tensor promptEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Maps(image, Scores(image, prompts, promptEmbeddings));
    }

    private HeatMap[] Maps(DecodedImage image, float[][] cells)
    {
        GridUpsampler up = Upsampler(image);
        ModelView view = ModelView.Of(image.Width, image.Height, Clip.ImageTransform.Resolution);
        var maps = new HeatMap[cells.Length];
        for (int p = 0; p < cells.Length; p++)
        {
            var values = new float[image.Width * image.Height];
            up.Upsample(cells[p], values);
            maps[p] = new HeatMap(image.Width, image.Height, values, GridSize, cells[p], view, Method);
        }

        return maps;
    }

    private GridUpsampler Upsampler(DecodedImage image)
        => new(GridSize, ModelView.Of(image.Width, image.Height, Clip.ImageTransform.Resolution), image.Width, image.Height);

    // [P] of [G²]: the score of every prompt at every cell.
    private float[][] Scores(DecodedImage image, IReadOnlyList<string> prompts, Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(embeddings);
        int e = Clip.EmbedDim;
        if (prompts.Count == 0)
        {
            throw new ArgumentException("give at least one prompt.", nameof(prompts));
        }

        if (embeddings.Rank != 2 || embeddings.Dim(0) != prompts.Count || embeddings.Dim(1) != e)
        {
            throw new ArgumentException(
                $"the prompt embeddings must be [{prompts.Count}, {e}] (one per prompt), got {embeddings.ShapeString}.", nameof(embeddings));
        }

        if (Method == LocateMethod.Gradient)
        {
            return GradientRelevance.Cells(Clip.Model, Clip.ImageTransform.Apply(image), embeddings, Options);
        }

        if (Method == LocateMethod.Occlusion)
        {
            return OcclusionSensitivity.Cells(Clip.Model, Clip.ImageTransform.Apply(image), embeddings, Options);
        }

        Tensor dense = EncodeDense(image);
        int cellCount = dense.Dim(0);
        var cells = new float[prompts.Count][];
        for (int p = 0; p < prompts.Count; p++)
        {
            ReadOnlySpan<float> text = embeddings.Span.Slice(p * e, e);
            cells[p] = new float[cellCount];
            for (int c = 0; c < cellCount; c++)
            {
                cells[p][c] = TensorPrimitives.Dot(dense.Span.Slice(c * e, e), text);
            }
        }

        return cells;
    }
}

using ClipSharp.Imaging;
using ClipSharp.Layers;
using ClipSharp.Tensors;
using ClipSharp.Training;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Generation;

/// <summary>
/// CLIP-guided synthesis: an image optimised toward a prompt by the gradient of the cosine similarity between its
/// image embedding and the prompt's text embedding, through the image tower's own backward pass down to the pixels.
/// To make an image rather than adversarial noise, the optimiser moves a smooth parametrisation
/// (<see cref="ImageParametrization.Pyramid"/>), each step scores several random crops with pixel noise (so no single
/// alignment of pixels can be exploited), and a total-variation penalty discourages pixel-level texture. Adam
/// updates the parametrisation. Only ViT image towers are supported.
/// </summary>
public sealed class ClipGenerator
{
    // The pyramid's levels start near zero (a grey image with faint noise); the raw pixels start as visible noise.
    private const float PyramidStartStd = 0.1f;
    private const float PixelStartStd = 0.2f;
    private const int MaxSize = 1024;

    private ClipGenerator(Clip clip, GeneratorOptions options)
    {
        Clip = clip;
        Options = options;
        Size = options.Size ?? clip.ImageTransform.Resolution;
    }

    public Clip Clip { get; }

    public GeneratorOptions Options { get; }

    /// <summary>Pixels per side of the images made.</summary>
    public int Size { get; }

    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range (the message names it).</exception>
    /// <exception cref="NotSupportedException">The model's image tower is not a ViT.</exception>
    public static ClipGenerator Create(Clip clip, GeneratorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        options ??= new GeneratorOptions();
        Validate(options);
        ImageTowerGradient.Create(clip.Model).Dispose();
        return new ClipGenerator(clip, options);
    }

    /// <summary>An image of <paramref name="prompt"/>; the prompt is embedded as written.</summary>
    public GenerationResult Generate(string prompt, IProgress<GenerationProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("the prompt is empty; describe the image to make.", nameof(prompt));
        }

        Tensor text = Clip.EncodeTexts([prompt], normalize: true);
        return Generate(prompt, text.Span, progress, cancellation);
    }

    /// <summary>The same toward a unit-length text embedding already computed: [E].</summary>
    public GenerationResult Generate(string prompt, ReadOnlySpan<float> textEmbedding, IProgress<GenerationProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        int e = Clip.EmbedDim;
        if (textEmbedding.Length != e)
        {
            throw new ArgumentException($"the text embedding must hold {e} floats, got {textEmbedding.Length}.", nameof(textEmbedding));
        }

        GeneratorOptions o = Options;
        var random = new GenerationRandom(o.Seed);
        IImageParametrization image = o.Parametrization == ImageParametrization.Pyramid
            ? ImagePyramid.Create(Size, random, PyramidStartStd)
            : RawPixels.Create(Size, random, PixelStartStd);
        using ImageTowerGradient tower = ImageTowerGradient.Create(Clip.Model);
        int r = tower.Resolution;
        int plane = 3 * r * r;
        int views = o.Augment ? o.Views : 1;
        float[] t = textEmbedding.ToArray();
        var rgb = new float[3 * Size * Size];
        var batch = new float[views * plane];
        var features = new float[views * e];
        var dFeatures = new float[views * e];
        var dViews = new float[views * plane];
        var dRgb = new float[rgb.Length];
        var dValues = new float[image.Values.Length];
        var windows = new BilinearWindow[views];
        var layout = new ParameterLayout();
        layout.Add("image", [image.Values.Length]);
        var adam = new AdamW(layout, new AdamWOptions { Beta1 = 0.9, Beta2 = 0.99, Eps = 1e-8, WeightDecay = 0 });
        IReadOnlyList<float> mean = Clip.ImageTransform.Mean, std = Clip.ImageTransform.Std;
        var trajectory = new List<float>(o.Steps);
        var frames = new List<GenerationFrame>();

        for (int step = 0; step < o.Steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            image.Render(rgb);
            if (o.FrameEvery > 0 && step % o.FrameEvery == 0)
            {
                frames.Add(Frame(step, rgb, t));
            }

            for (int v = 0; v < views; v++)
            {
                windows[v] = o.Augment ? RandomCrop(random, o.MinCropScale) : BilinearWindow.Whole(Size);
                Span<float> view = batch.AsSpan(v * plane, plane);
                windows[v].Sample(rgb, Size, view, r, 3);
                if (o.Augment && o.Noise > 0)
                {
                    for (int i = 0; i < view.Length; i++)
                    {
                        view[i] += o.Noise * random.Normal();
                    }
                }

                Normalize(view, r * r, mean, std);
            }

            tower.Forward(batch, views, features);
            float similarity = CosineGradients(features, t, views, dFeatures);
            tower.Backward(dFeatures, dViews);

            // Back through the normalisation and each crop onto the image, then the smoothness penalty.
            dRgb.AsSpan().Clear();
            for (int v = 0; v < views; v++)
            {
                Span<float> dView = dViews.AsSpan(v * plane, plane);
                for (int c = 0; c < 3; c++)
                {
                    TensorPrimitives.Divide(dView.Slice(c * r * r, r * r), std[c], dView.Slice(c * r * r, r * r));
                }

                windows[v].Adjoint(dView, r, dRgb, Size, 3);
            }

            if (o.TotalVariation > 0)
            {
                TotalVariation.Accumulate(rgb, Size, o.TotalVariation, dRgb);
            }

            image.Backward(dRgb, dValues);
            adam.Step(image.Values, dValues, o.LearningRate);
            image.Project();
            trajectory.Add(similarity);
            progress?.Report(new GenerationProgress(step + 1, o.Steps, similarity));
        }

        image.Render(rgb);
        GenerationFrame last = Frame(o.Steps, rgb, t);
        if (o.FrameEvery > 0)
        {
            frames.Add(last);
        }

        return new GenerationResult(prompt, last.Image, last.Similarity, trajectory, frames);
    }

    /// <summary>RGB in [0, 1], [3, n, n] -> an 8-bit RGB image.</summary>
    internal static DecodedImage ToImage(ReadOnlySpan<float> rgb, int n)
    {
        var pixels = new byte[n * n * 3];
        int plane = n * n;
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < plane; i++)
            {
                pixels[(3 * i) + c] = (byte)Math.Clamp(MathF.Round(rgb[(c * plane) + i] * 255f), 0f, 255f);
            }
        }

        return new DecodedImage(n, n, PixelMode.RGB, pixels);
    }

    // The loss is minus the views' mean cosine with the text; for a view's features f with t of unit length,
    // d cos / d f = (t − cos · f/|f|) / |f|. Returns the mean cosine.
    private static float CosineGradients(ReadOnlySpan<float> features, ReadOnlySpan<float> text, int views, Span<float> dFeatures)
    {
        int e = text.Length;
        float sum = 0;
        for (int v = 0; v < views; v++)
        {
            ReadOnlySpan<float> f = features.Slice(v * e, e);
            Span<float> d = dFeatures.Slice(v * e, e);
            float norm = Math.Max(TensorPrimitives.Norm(f), 1e-12f);
            float cos = TensorPrimitives.Dot(f, text) / norm;
            sum += cos;
            for (int i = 0; i < e; i++)
            {
                d[i] = -(text[i] - (cos * f[i] / norm)) / (norm * views);
            }
        }

        return sum / views;
    }

    private static void Normalize(Span<float> view, int plane, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        for (int c = 0; c < 3; c++)
        {
            Span<float> p = view.Slice(c * plane, plane);
            TensorPrimitives.Subtract(p, mean[c], p);
            TensorPrimitives.Divide(p, std[c], p);
        }
    }

    private BilinearWindow RandomCrop(GenerationRandom random, double minScale)
    {
        double side = Size * random.Uniform(minScale, 1);
        return new BilinearWindow(random.Uniform(0, Size - side), random.Uniform(0, Size - side), side);
    }

    // The image as it is now, and its cosine with the text when preprocessed as an image file.
    private GenerationFrame Frame(int step, ReadOnlySpan<float> rgb, ReadOnlySpan<float> text)
    {
        DecodedImage picture = ToImage(rgb, Size);
        Tensor embedding = Clip.EncodeImages([picture], normalize: true);
        return new GenerationFrame(step, picture, TensorPrimitives.Dot(embedding.Span, text));
    }

    private static void Validate(GeneratorOptions o)
    {
        if (o.Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(o.Steps), o.Steps, "take at least one step.");
        }

        if (o.Size is < 8 or > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(o.Size), o.Size, $"the image size must be 8 to {MaxSize} pixels.");
        }

        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(o.LearningRate), o.LearningRate, "the learning rate must be finite and positive.");
        }

        if (o.Views < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(o.Views), o.Views, "score at least one view per step.");
        }

        if (!(o.MinCropScale > 0 && o.MinCropScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(o.MinCropScale), o.MinCropScale, "the smallest crop is a share of the side in (0, 1].");
        }

        if (!(o.Noise >= 0) || float.IsInfinity(o.Noise))
        {
            throw new ArgumentOutOfRangeException(nameof(o.Noise), o.Noise, "the noise must be finite and >= 0.");
        }

        if (!(o.TotalVariation >= 0) || float.IsInfinity(o.TotalVariation))
        {
            throw new ArgumentOutOfRangeException(nameof(o.TotalVariation), o.TotalVariation, "the total-variation weight must be finite and >= 0.");
        }

        if (o.FrameEvery < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(o.FrameEvery), o.FrameEvery, "keep a frame every N >= 1 steps, or 0 for none.");
        }

        if (!Enum.IsDefined(o.Parametrization))
        {
            throw new ArgumentOutOfRangeException(nameof(o.Parametrization), o.Parametrization, "unknown parametrisation.");
        }
    }
}

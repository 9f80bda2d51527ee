using ClipSharp.Checkpoints;
using ClipSharp.Imaging;
using ClipSharp.Layers;
using ClipSharp.Localization;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Tests.Localization;

/// <summary>
/// Gradient relevance on the tiny golden ResNet (64 px, so layer4's map is 256 channels on a 2 × 2 grid): the
/// activations read are layer4's output of the inference forward pass, and their gradients are checked against
/// finite differences of the cosine computed by the attention pool's forward pass from a perturbed map.
/// </summary>
public sealed class ResNetGradientRelevanceTests
{
    // Loaded with every weight as float32: the backward pass needs them.
    private static readonly Lazy<Clip> s_clip = new(() => Clip.FromCheckpoint(ModelFolder.Load(Fixtures.GoldenPath("model", "rn_tiny"), Fixtures.TinyVocab)));

    private static Clip Rn => s_clip.Value;

    private static ModifiedResNet Tower => (ModifiedResNet)Rn.Model.Visual;

    private static LocateOptions Options { get; } = new() { Method = LocateMethod.Gradient };

    private static DecodedImage Photo() => ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));

    [Fact]
    public void Gradient_MatchesFiniteDifferencesOfTheCosineAtLayer4()
    {
        ModifiedResNet resnet = Tower;
        int c = resnet.EmbedDim, cells = resnet.FeatureSize * resnet.FeatureSize;
        float[] pixels = Rn.ImageTransform.Apply(Photo());
        Tensor text = ClipModel.Normalize(Rn.EncodeTexts(["a red star"]));

        (float[] activations, float[] gradients) = GradientRelevance.Backward(Rn.Model, pixels, text, null);

        // The activations read are layer4's output as the inference forward reports it ([C, S, S] planes; the
        // relevance has one row of channels per cell).
        float[]? map = null;
        int r = Rn.ImageTransform.Resolution;
        Tensor embedding = resnet.Forward(new Tensor(pixels, 1, 3, r, r), (n, t) => map = n == "visual.layer4.out" ? t.Span.ToArray() : map);
        Assert.NotNull(map);
        Assert.Equal(c * cells, activations.Length);
        for (int i = 0; i < cells; i++)
        {
            for (int k = 0; k < c; k++)
            {
                Assert.Equal(map[(k * cells) + i], activations[(i * c) + k]);
            }
        }

        // The pool's forward from the map reproduces the tower's embedding, so differences of it are the cosine's.
        float cosine = TensorPrimitives.CosineSimilarity(embedding.Span, text.Span);
        Assert.Equal(cosine, CosineFrom(resnet, map, text.Span), 1e-6f);

        CosineFiniteDifferences.AssertMatch(gradients, cells, c, displacement =>
        {
            float[] displaced = (float[])map.Clone();
            for (int i = 0; i < cells; i++)
            {
                for (int k = 0; k < c; k++)
                {
                    displaced[(k * cells) + i] += displacement[(i * c) + k];
                }
            }

            return CosineFrom(resnet, displaced, text.Span);
        }, h: 1e-2f, seed: 23);
    }

    [Fact]
    public void Cells_WeighLayer4AsTheViTsStreamIsWeighed()
    {
        DecodedImage image = Photo();
        string[] prompts = ["a red star", "a blue circle"];
        ClipLocator product = ClipLocator.Create(Rn, Options);
        ClipLocator gradCam = product.With(Options with { Weighting = RelevanceWeighting.GradCam });
        Tensor texts = product.EmbedPrompts(prompts, ClipLocator.Verbatim);
        (float[] a, float[] g) = GradientRelevance.Backward(Rn.Model, Rn.ImageTransform.Apply(image), texts, 1);

        Assert.Equal(Tower.FeatureSize, product.GridSize);
        IReadOnlyList<HeatMap> products = product.HeatMaps(image, prompts, texts);
        IReadOnlyList<HeatMap> gradCams = gradCam.HeatMaps(image, prompts, texts);
        int c = Tower.EmbedDim, cells = Tower.FeatureSize * Tower.FeatureSize;
        for (int p = 0; p < prompts.Length; p++)
        {
            Assert.Equal(LocateMethod.Gradient, products[p].Method);
            Assert.Equal(cells, products[p].Cells.Length);
            for (int i = 0; i < cells; i++)
            {
                double dot = 0, cam = 0;
                for (int k = 0; k < c; k++)
                {
                    double mean = 0;
                    for (int j = 0; j < cells; j++)
                    {
                        mean += g[(((p * cells) + j) * c) + k] / cells;
                    }

                    int at = (((p * cells) + i) * c) + k;
                    dot += g[at] * a[at];
                    cam += mean * a[at];
                }

                Assert.Equal(Math.Max(0, dot), products[p].Cells[i], 1e-5);
                Assert.Equal(Math.Max(0, cam), gradCams[p].Cells[i], 1e-5);
            }
        }

        // Every prompt's activations are the same map: the trunk runs once for all of them.
        Assert.Equal(a.AsSpan(0, cells * c).ToArray(), a.AsSpan(cells * c, cells * c).ToArray());
        Assert.NotEqual(g.AsSpan(0, cells * c).ToArray(), g.AsSpan(cells * c, cells * c).ToArray());
    }

    [Fact]
    public void OnlyLayer4IsADepthOfAResNet()
    {
        Assert.NotNull(ClipLocator.Create(Rn, Options with { Depth = 1 }));
        foreach (int depth in new[] { 0, 2, 5 })
        {
            LocateOptionsException e = Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Rn, Options with { Depth = depth }));
            Assert.Equal(nameof(LocateOptions.Depth), e.Option);
            Assert.Contains("layer4", e.Message, StringComparison.Ordinal);
        }
    }

    // The cosine of the prompt with the embedding the attention pool makes from layer4's map [C, S, S], through the
    // pool's own inference forward pass (probabilities not kept).
    private static float CosineFrom(ModifiedResNet resnet, float[] map, ReadOnlySpan<float> text)
    {
        AttentionPool2d pool = resnet.Attnpool;
        int c = pool.EmbedDim, sequence = pool.Tokens * c;
        var embedding = new float[pool.OutputDim];
        pool.Forward(map, embedding, 1, new float[sequence], new float[c], new float[sequence], new float[sequence], default, new float[c]);
        return TensorPrimitives.CosineSimilarity(embedding, text);
    }
}

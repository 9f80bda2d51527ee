using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Evaluation;
using ClipSharp.Imaging;
using ClipSharp.Layers;
using ClipSharp.Localization;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Tests.Localization;

/// <summary>
/// Gradient relevance on the tiny golden ViT (2 blocks, 4 × 4 patches): the backward pass's gradient of the
/// image-prompt cosine at the activations it reads is checked against finite differences of a forward pass run from
/// those activations up, and the method runs end to end on a synthetic scene.
/// </summary>
public sealed class GradientRelevanceTests
{
    // Loaded with every weight as float32: the backward pass needs them.
    private static readonly Lazy<Clip> s_clip = new(() => Clip.FromCheckpoint(ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab)));

    private static Clip Tiny => s_clip.Value;

    private static ClipLocator Gradient => ClipLocator.Create(Tiny, new LocateOptions { Method = LocateMethod.Gradient });

    private static DecodedImage Photo() => ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Gradient_MatchesFiniteDifferencesOfTheCosine(int depth)
    {
        var vit = (VisionTransformer)Tiny.Model.Visual;
        int w = vit.Width, tokens = vit.Tokens, patches = vit.Grid * vit.Grid;
        int block = vit.Transformer.Resblocks.Count - depth;
        float[] pixels = Tiny.ImageTransform.Apply(Photo());
        Tensor text = ClipModel.Normalize(Tiny.EncodeTexts(["a red star"]));

        (float[] activations, float[] gradients) = GradientRelevance.Backward(Tiny.Model, pixels, text, depth);

        // The stream entering the block, as the inference forward reports it: the activations read are exactly it.
        string name = block == 0 ? "visual.ln_pre.out" : $"visual.transformer.resblocks.{block - 1}.out";
        float[]? stream = null;
        int r = Tiny.ImageTransform.Resolution;
        Tensor image = new(pixels, 1, 3, r, r);
        Tensor embedding = vit.Forward(image, (n, t) => stream = n == name ? t.Span.ToArray() : stream);
        Assert.NotNull(stream);
        for (int i = 0; i < patches * w; i++)
        {
            Assert.Equal(stream[w + i], activations[i], 1e-5f);
        }

        // The forward from the stream up reproduces the tower's embedding, so differences of it are the cosine's.
        float cosine = TensorPrimitives.CosineSimilarity(embedding.Span, text.Span);
        Assert.Equal(cosine, CosineFrom(vit, block, stream, text.Span), 1e-5f);

        CosineFiniteDifferences.AssertMatch(gradients, patches, w, displacement =>
        {
            // The patch tokens follow the class token.
            float[] x = (float[])stream.Clone();
            TensorPrimitives.Add(x.AsSpan(w, displacement.Length), displacement, x.AsSpan(w, displacement.Length));
            return CosineFrom(vit, block, x, text.Span);
        }, h: 3e-2f, seed: 17);
    }

    [Fact]
    public void Cells_AreThePositivePartOfTheWeightedActivations()
    {
        var vit = (VisionTransformer)Tiny.Model.Visual;
        int w = vit.Width, cells = vit.Grid * vit.Grid;
        DecodedImage image = Photo();
        string[] prompts = ["a red star", "a blue circle"];
        Tensor texts = Gradient.EmbedPrompts(prompts, ClipLocator.Verbatim);
        (float[] a, float[] g) = GradientRelevance.Backward(Tiny.Model, Tiny.ImageTransform.Apply(image), texts, 1);

        var lastBlock = new LocateOptions { Method = LocateMethod.Gradient, Depth = 1 };
        IReadOnlyList<HeatMap> product = Gradient.With(lastBlock).HeatMaps(image, prompts, texts);
        IReadOnlyList<HeatMap> gradCam = Gradient.With(lastBlock with { Weighting = RelevanceWeighting.GradCam }).HeatMaps(image, prompts, texts);

        // The default reads every block: the stream entering the first, so its maps differ from the last block's.
        Assert.False(Gradient.HeatMaps(image, prompts, texts)[0].Cells.SequenceEqual(product[0].Cells));

        // One more than the blocks reads the input pixels: a grid of one cell per pixel.
        ClipLocator pixels = Gradient.With(lastBlock with { Depth = 3 });
        Assert.Equal(Tiny.ImageTransform.Resolution, pixels.GridSize);
        Assert.Equal(32 * 32, pixels.HeatMaps(image, prompts, texts)[0].Cells.Length);
        for (int p = 0; p < prompts.Length; p++)
        {
            Assert.Equal(LocateMethod.Gradient, product[p].Method);
            var mean = new double[w];
            for (int c = 0; c < cells; c++)
            {
                for (int k = 0; k < w; k++)
                {
                    mean[k] += g[(((p * cells) + c) * w) + k] / cells;
                }
            }

            for (int c = 0; c < cells; c++)
            {
                double dot = 0, cam = 0;
                for (int k = 0; k < w; k++)
                {
                    int at = (((p * cells) + c) * w) + k;
                    dot += g[at] * a[at];
                    cam += mean[k] * a[at];
                }

                Assert.Equal(Math.Max(0, dot), product[p].Cells[c], 1e-5);
                Assert.Equal(Math.Max(0, cam), gradCam[p].Cells[c], 1e-4);
            }

            Assert.Contains(product[p].Cells.ToArray(), v => v > 0);
        }
    }

    [Fact]
    public void OnASyntheticScene_LocateSegmentAndEvaluateRunEndToEnd()
    {
        var combinations = new List<(int Color, SynthShape Shape)>();
        for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
        {
            combinations.AddRange(SynthVocabulary.Shapes.Select(s => (c, s)));
        }

        SynthScene scene = SceneSampler.Distinct(new DataRandom(3), combinations, 2);
        DecodedImage image = SceneRenderer.Render(scene, SceneRenderer.MaxSize);
        string[] phrases = [.. scene.Objects.Select(o => CaptionWriter.Phrase(o, size: false, position: false))];

        IReadOnlyList<PromptLocation> located = Gradient.Locate(image, phrases);
        Segmentation segmentation = Gradient.Segment(image, [.. phrases, "background"]);

        Assert.Equal(phrases, located.Select(l => l.Prompt));
        foreach (PromptLocation l in located)
        {
            Assert.Equal(LocateMethod.Gradient, l.HeatMap.Method);
            Assert.Equal(SceneRenderer.MaxSize * SceneRenderer.MaxSize, l.HeatMap.Values.Length);
            Assert.True(l.HeatMap.Min >= 0, $"{l.Prompt}: a relevance below zero ({l.HeatMap.Min}).");
            Assert.True(l.HeatMap.Max > l.HeatMap.Min, $"{l.Prompt}: a flat map.");
            Assert.True(l.Box.Contains(l.Peak));
            Assert.InRange(l.MaskArea, 1, (long)image.Width * image.Height - 1);
        }

        Assert.Equal(3, segmentation.Labels.Count);
        Assert.Equal((long)image.Width * image.Height, Enumerable.Range(0, 3).Sum(segmentation.Area));

        IReadOnlyList<LocalizationScores> rows = LocalizationEvaluator.Evaluate(Gradient, 2, [2], seed: 4, cancellation: TestContext.Current.CancellationToken);
        Assert.Equal(LocateMethod.Gradient, rows.Single().Method);
        Assert.InRange(rows[0].Pointing, 0, 1);
        Assert.InRange(rows[0].MeanIoU, 0, 1);
    }

    [Fact]
    public void PackedWeightsOrABadDepthAreRefusedWhenTheLocatorIsMade()
    {
        var options = new LocateOptions { Method = LocateMethod.Gradient };
        foreach (string model in new[] { "vit_tiny", "rn_tiny" })
        {
            Clip packed = Clip.Load(Fixtures.GoldenPath("model", model), Fixtures.TinyVocab, TestContext.Current.CancellationToken);
            NotSupportedException e = Assert.Throws<NotSupportedException>(() => ClipLocator.Create(packed, options));
            Assert.Contains("float32", e.Message, StringComparison.Ordinal);
            Assert.NotNull(ClipLocator.Create(packed));
        }

        Assert.Equal(nameof(LocateOptions.Depth), Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Tiny, options with { Depth = 4 })).Option);
        Assert.Equal(nameof(LocateOptions.Depth), Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Tiny, options with { Depth = 0 })).ParamName);
    }

    [Fact]
    public void ImageEmbeddings_AreOneKeptForwardPassPerPrompt()
    {
        Assert.Equal(1, Gradient.ImageEmbeddings(1));
        Assert.Equal(3, Gradient.ImageEmbeddings(3));
    }

    [Fact]
    public void MethodNamesRoundTrip()
    {
        foreach (LocateMethod m in LocateMethods.All)
        {
            Assert.Equal(m, LocateMethods.Parse(m.Name()));
            Assert.Equal(m, LocateMethods.Parse(m.Name().ToUpperInvariant()));
        }

        Assert.Null(LocateMethods.Parse("gradcam"));
        Assert.Null(LocateMethods.Parse(null));
    }

    // The cosine of the prompt with the embedding computed from the stream entering `block`: the blocks from there
    // up through the layers' own forward passes, then ln_post of the class token and proj.
    private static float CosineFrom(VisionTransformer vit, int block, float[] stream, ReadOnlySpan<float> text)
    {
        int w = vit.Width, t = vit.Tokens, heads = vit.Transformer.Resblocks[0].Attn.Heads;
        float[] x = (float[])stream.Clone();
        var ln = new float[t * w];
        var qkv = new float[t * 3 * w];
        var attended = new float[t * w];
        var branch = new float[t * w];
        var hidden = new float[t * 4 * w];
        for (int i = block; i < vit.Transformer.Resblocks.Count; i++)
        {
            ResidualAttentionBlock b = vit.Transformer.Resblocks[i];
            b.Ln1.Forward(x, ln, t);
            b.Attn.Forward(ln, qkv, new float[heads * t * t], attended, branch, 1, t);
            TensorPrimitives.Add(x, branch, x);
            b.Ln2.Forward(x, ln, t);
            b.Mlp.Forward(ln, hidden, new float[t * 4 * w], branch, t);
            TensorPrimitives.Add(x, branch, x);
        }

        var pooled = new float[w];
        vit.LnPost.Forward(x.AsSpan(0, w), pooled, 1);
        ReadOnlySpan<float> proj = vit.Proj.Value.Span;
        int e = vit.OutputDim;
        var embedding = new float[e];
        for (int k = 0; k < w; k++)
        {
            for (int j = 0; j < e; j++)
            {
                embedding[j] += pooled[k] * proj[(k * e) + j];
            }
        }

        return TensorPrimitives.CosineSimilarity(embedding, text);
    }
}

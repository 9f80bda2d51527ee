using ClipSharp.Imaging;
using ClipSharp.Localization;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Tests.Localization;

/// <summary>
/// Occlusion sensitivity on the tiny golden models (32 px; the ViT's grid is 4 × 4 patches of 8 pixels): the batched
/// maps, for every score, against a naive oracle that occludes and embeds one image at a time, the map's peak on the one part of an
/// image that carries content, the defaults drawn from the model's grid, and the options' checks.
/// </summary>
public sealed class OcclusionSensitivityTests
{
    private static readonly Lazy<Clip> s_clip = new(() => Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab));

    private static Clip Tiny => s_clip.Value;

    private static ClipLocator Occlusion(LocateOptions? options = null)
        => ClipLocator.Create(Tiny, (options ?? new LocateOptions()) with { Method = LocateMethod.Occlusion });

    private static DecodedImage Photo() => ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));

    [Theory]
    [InlineData(OcclusionScore.Cosine, OccluderSizeMerge.Mean)]
    [InlineData(OcclusionScore.Probability, OccluderSizeMerge.Mean)]
    [InlineData(OcclusionScore.Contrast, OccluderSizeMerge.Mean)]
    [InlineData(OcclusionScore.Margin, OccluderSizeMerge.Mean)]
    [InlineData(OcclusionScore.Cosine, OccluderSizeMerge.GeometricMean)]
    [InlineData(OcclusionScore.Contrast, OccluderSizeMerge.GeometricMean)]
    public void Cells_MatchANaiveOracleOfOneOccludedImageAtATime(OcclusionScore score, OccluderSizeMerge merge)
    {
        var options = new LocateOptions
        {
            Method = LocateMethod.Occlusion,
            OccluderSizes = [4, 12],
            OcclusionStride = 4,
            OcclusionBatch = 7,
            OcclusionScore = score,
            OccluderSizeMerge = merge,
        };
        DecodedImage image = Photo();
        string[] prompts = ["a red star", "a blue circle", "background"];
        ClipLocator locator = Occlusion(options);
        Tensor texts = locator.EmbedPrompts(prompts, ClipLocator.Verbatim);

        IReadOnlyList<HeatMap> maps = locator.HeatMaps(image, prompts, texts);

        int r = Tiny.ImageTransform.Resolution, g = r / 4;
        Assert.Equal(g, locator.GridSize);
        float[] pixels = Tiny.ImageTransform.Apply(image);
        float[] mean = [.. Enumerable.Range(0, 3).Select(c => pixels.Skip(c * r * r).Take(r * r).Average())];
        float[] baseline = CosinesOf(pixels, texts);
        var expected = new double[prompts.Length, g * g];
        for (int p = 0; p < prompts.Length; p++)
        {
            for (int cell = 0; cell < g * g; cell++)
            {
                expected[p, cell] = merge == OccluderSizeMerge.Mean ? 0 : 1;
            }
        }

        foreach (int size in options.OccluderSizes)
        {
            // Every placement of the occluder's top-left corner on the stride's lattice that overlaps the image.
            var drops = new List<(int X, int Y, double[] Drop)>();
            for (int oy = -size + 4; oy < r; oy += 4)
            {
                for (int ox = -size + 4; ox < r; ox += 4)
                {
                    float[] occluded = (float[])pixels.Clone();
                    for (int c = 0; c < 3; c++)
                    {
                        for (int y = Math.Max(0, oy); y < Math.Min(r, oy + size); y++)
                        {
                            for (int x = Math.Max(0, ox); x < Math.Min(r, ox + size); x++)
                            {
                                occluded[(((c * r) + y) * r) + x] = mean[c];
                            }
                        }
                    }

                    drops.Add((ox, oy, NaiveDrops(score, baseline, CosinesOf(occluded, texts))));
                }
            }

            var map = new double[prompts.Length, g * g];
            for (int cell = 0; cell < g * g; cell++)
            {
                // A cell is under an occluder when the occluder holds the cell's top-left pixel.
                int cx = cell % g * 4, cy = cell / g * 4;
                var covering = drops.Where(d => cx >= d.X && cx < d.X + size && cy >= d.Y && cy < d.Y + size).ToList();
                Assert.Equal((size / 4) * (size / 4), covering.Count);
                for (int p = 0; p < prompts.Length; p++)
                {
                    map[p, cell] = covering.Average(d => d.Drop[p]);
                }
            }

            int n = options.OccluderSizes.Count;
            for (int p = 0; p < prompts.Length; p++)
            {
                double max = Enumerable.Range(0, g * g).Max(c => map[p, c]);
                for (int cell = 0; cell < g * g; cell++)
                {
                    expected[p, cell] = merge == OccluderSizeMerge.Mean
                        ? expected[p, cell] + (map[p, cell] / n)
                        : max > 0 ? expected[p, cell] * Math.Pow(Math.Max(0, map[p, cell] / max), 1.0 / n) : 0;
                }
            }
        }

        // The geometric mean divides each map by its maximum, a small cosine drop on the random tiny model, which turns
        // the float32 rounding of the drops into relative error.
        double tolerance = merge == OccluderSizeMerge.Mean ? 1e-5 : 1e-4;
        for (int p = 0; p < prompts.Length; p++)
        {
            Assert.Equal(LocateMethod.Occlusion, maps[p].Method);
            Assert.Equal(g * g, maps[p].Cells.Length);
            for (int cell = 0; cell < g * g; cell++)
            {
                Assert.Equal(expected[p, cell], maps[p].Cells[cell], tolerance);
            }

            // On the random tiny model a size can lower a prompt's cosine nowhere, which makes its geometric mean 0.
            Assert.True(maps[p].Max > maps[p].Min || (merge == OccluderSizeMerge.GeometricMean && maps[p].Max == 0), $"{prompts[p]}: a flat map.");
        }
    }

    [Theory]
    [InlineData(OcclusionScore.Probability)]
    [InlineData(OcclusionScore.Contrast)]
    [InlineData(OcclusionScore.Margin)]
    public void WithOnePrompt_TheDiscriminativeScoresAreTheCosine(OcclusionScore score)
    {
        // A softmax over one prompt is 1 whatever the image, and there is no other prompt to contrast with.
        DecodedImage image = Photo();
        var cosine = new LocateOptions { OccluderSizes = [8], OcclusionStride = 4, OcclusionScore = OcclusionScore.Cosine, OccluderSizeMerge = OccluderSizeMerge.Mean };
        Tensor texts = Occlusion(cosine).EmbedPrompts(["a red star"], ClipLocator.Verbatim);
        float[] expected = Occlusion(cosine).HeatMaps(image, ["a red star"], texts)[0].Cells.ToArray();
        float[] actual = Occlusion(cosine with { OcclusionScore = score }).HeatMaps(image, ["a red star"], texts)[0].Cells.ToArray();
        Assert.Equal(expected, actual);
        Assert.True(actual.Max() > actual.Min());
    }

    [Fact]
    public void OnAPlainImageWithOneSquare_TheMapPeaksOnTheSquare()
    {
        // A grey image with a single red square away from the centre; the "prompt" is the image's own embedding, so
        // covering the square (the only content) is what moves the embedding most.
        const int size = 32;
        var rgb = new byte[size * size * 3];
        Array.Fill(rgb, (byte)128);
        for (int y = 20; y < 28; y++)
        {
            for (int x = 4; x < 12; x++)
            {
                int at = ((y * size) + x) * 3;
                (rgb[at], rgb[at + 1], rgb[at + 2]) = ((byte)230, (byte)20, (byte)20);
            }
        }

        var image = new DecodedImage(size, size, PixelMode.RGB, rgb);
        Tensor self = ClipModel.Normalize(Tiny.EncodeImages([image]));

        PromptLocation located = Occlusion().Locate(image, ["itself"], self)[0];

        Assert.InRange(located.Peak.X, 4, 11);
        Assert.InRange(located.Peak.Y, 20, 27);
        Assert.True(located.Box.Contains(located.Peak));
    }

    [Fact]
    public void TheBatchChangesNothingButTheCost()
    {
        DecodedImage image = Photo();
        Tensor texts = Occlusion().EmbedPrompts(["a red star"], ClipLocator.Verbatim);
        float[] one = Occlusion(new LocateOptions { OcclusionBatch = 1 }).HeatMaps(image, ["a red star"], texts)[0].Cells.ToArray();
        float[] many = Occlusion(new LocateOptions { OcclusionBatch = 1000 }).HeatMaps(image, ["a red star"], texts)[0].Cells.ToArray();
        for (int c = 0; c < one.Length; c++)
        {
            Assert.Equal(one[c], many[c], 1e-6f);
        }
    }

    [Fact]
    public void Defaults_FollowTheModelsGrid()
    {
        // 32 px, 4 × 4 cells of 8: stride 2, occluders of 2, 4 and 8 pixels, a 16 × 16 map.
        Assert.Equal(16, Occlusion().GridSize);
        Assert.Equal(1 + (16 * 16) + (17 * 17) + (19 * 19), OcclusionSensitivity.Passes(Tiny.Model, new LocateOptions()));
        Assert.Equal(8, OcclusionSensitivity.DefaultStride(32));
        Assert.Equal([8, 16, 32], OcclusionSensitivity.DefaultSizes(32, 8));
        Assert.Equal(4, OcclusionSensitivity.DefaultStride(16));
        Assert.Equal([4, 8, 16], OcclusionSensitivity.DefaultSizes(16, 4));
        Assert.Equal(2, OcclusionSensitivity.DefaultStride(14));
        Assert.Equal([2, 6, 14], OcclusionSensitivity.DefaultSizes(14, 2));
        Assert.Equal(OcclusionScore.Contrast, LocateOptions.Default.OcclusionScore);
        Assert.Equal(OccluderSizeMerge.GeometricMean, LocateOptions.Default.OccluderSizeMerge);
        Assert.Equal(1, OcclusionSensitivity.DefaultStride(3));
        Assert.Equal([1, 3], OcclusionSensitivity.DefaultSizes(3, 1));
    }

    [Fact]
    public void AResNetIsLocatedToo()
    {
        Clip resnet = Clip.Load(Fixtures.GoldenPath("model", "rn_tiny"), Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        ClipLocator locator = ClipLocator.Create(resnet, new LocateOptions { Method = LocateMethod.Occlusion });
        int cell = resnet.ImageTransform.Resolution / resnet.Model.Visual.DenseGrid;
        Assert.Equal(resnet.ImageTransform.Resolution / OcclusionSensitivity.DefaultStride(cell), locator.GridSize);
        HeatMap map = locator.Locate(Photo(), ["a red star"])[0].HeatMap;
        Assert.Equal(locator.GridSize * locator.GridSize, map.Cells.Length);
        Assert.True(map.Max > map.Min);
    }

    [Theory]
    [InlineData(nameof(LocateOptions.OcclusionStride), 3, null, 64)]
    [InlineData(nameof(LocateOptions.OcclusionStride), 0, null, 64)]
    [InlineData(nameof(LocateOptions.OccluderSizes), 2, 5, 64)]
    [InlineData(nameof(LocateOptions.OccluderSizes), 2, 1, 64)]
    [InlineData(nameof(LocateOptions.OccluderSizes), 2, 34, 64)]
    [InlineData(nameof(LocateOptions.OcclusionBatch), 2, 4, 0)]
    public void BadOptionsAreRefusedWhenTheLocatorIsMade_NamingTheOption(string option, int stride, int? occluder, int batch)
    {
        var options = new LocateOptions
        {
            Method = LocateMethod.Occlusion,
            OcclusionStride = stride,
            OccluderSizes = occluder is { } s ? [s] : null,
            OcclusionBatch = batch,
        };
        LocateOptionsException e = Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Tiny, options));
        Assert.Equal(option, e.Option);
        Assert.Equal(option, e.ParamName);
        Assert.Contains(option, e.Message, StringComparison.Ordinal);

        Assert.Equal(
            nameof(LocateOptions.OccluderSizes),
            Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Tiny, new LocateOptions { Method = LocateMethod.Occlusion, OccluderSizes = [] })).Option);

        Assert.Equal(
            nameof(LocateOptions.OcclusionScore),
            Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Tiny, new LocateOptions { Method = LocateMethod.Occlusion, OcclusionScore = (OcclusionScore)4 })).Option);
        Assert.Equal(
            nameof(LocateOptions.OccluderSizeMerge),
            Assert.Throws<LocateOptionsException>(() => ClipLocator.Create(Tiny, new LocateOptions { Method = LocateMethod.Occlusion, OccluderSizeMerge = (OccluderSizeMerge)2 })).Option);

        // The options of a method not asked for are not looked at.
        Assert.NotNull(ClipLocator.Create(Tiny, options with { Method = LocateMethod.Dense }));
    }

    // Each prompt's drop from the image's cosines to the occluded image's, computed directly in doubles from the
    // definitions: the softmax of the logit scale times the cosines, or a cosine drop less the mean of the others'.
    private static double[] NaiveDrops(OcclusionScore score, float[] before, float[] after)
    {
        double scale = Math.Exp(Tiny.Model.LogitScale);
        double[] Probabilities(float[] cosines)
        {
            double[] e = [.. cosines.Select(c => Math.Exp(scale * c))];
            return [.. e.Select(v => v / e.Sum())];
        }

        double[] cosineDrops = [.. before.Select((b, p) => (double)b - after[p])];
        double[] p0 = Probabilities(before), p1 = Probabilities(after);
        return score switch
        {
            OcclusionScore.Cosine => cosineDrops,
            OcclusionScore.Probability => [.. p0.Select((p, i) => p - p1[i])],
            OcclusionScore.Contrast => [.. cosineDrops.Select((d, i) => d - cosineDrops.Where((_, j) => j != i).Average())],
            OcclusionScore.Margin => [.. cosineDrops.Select((d, i) => d - cosineDrops.Where((_, j) => j != i).Max())],
            _ => throw new ArgumentOutOfRangeException(nameof(score)),
        };
    }

    // [P] cosines of one image [3, R, R] with the unit texts, by the plain inference forward.
    private static float[] CosinesOf(float[] pixels, Tensor texts)
    {
        int r = Tiny.ImageTransform.Resolution, e = Tiny.EmbedDim;
        Tensor f = Tiny.Model.EncodeImage(new Tensor(pixels, 1, 3, r, r));
        return [.. Enumerable.Range(0, texts.Dim(0)).Select(p => TensorPrimitives.CosineSimilarity(f.Span, texts.Span.Slice(p * e, e)))];
    }
}

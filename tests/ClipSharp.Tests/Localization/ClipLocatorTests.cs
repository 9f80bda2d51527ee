using ClipSharp.Imaging;
using ClipSharp.Localization;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.ZeroShot;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Tests.Localization;

/// <summary>
/// Heat maps, boxes, masks and segmentations of the tiny golden ViT (random weights: the maps mean nothing, but
/// their geometry and their agreement with the model's own dense features and text embeddings are exact).
/// </summary>
public sealed class ClipLocatorTests
{
    private static readonly Lazy<ClipLocator> s_locator = new(
        () => ClipLocator.Create(Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab)));

    private static ClipLocator Locator => s_locator.Value;

    private static DecodedImage Photo() => ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));

    [Fact]
    public void Locate_GivesImageSizedMapsWithBoxAndPeakInside()
    {
        DecodedImage image = Photo();
        string[] prompts = ["a red star", "a blue square"];

        IReadOnlyList<PromptLocation> located = Locator.Locate(image, prompts);

        Assert.Equal(2, located.Count);
        foreach (PromptLocation l in located)
        {
            Assert.Equal(image.Width, l.HeatMap.Width);
            Assert.Equal(image.Height, l.HeatMap.Height);
            Assert.Equal(image.Width * image.Height, l.HeatMap.Values.Length);
            Assert.Equal(16, l.HeatMap.Cells.Length);
            Assert.InRange(l.Box.Left, 0, image.Width - 1);
            Assert.InRange(l.Box.Right, l.Box.Left + 1, image.Width);
            Assert.InRange(l.Box.Top, 0, image.Height - 1);
            Assert.InRange(l.Box.Bottom, l.Box.Top + 1, image.Height);
            Assert.True(l.Box.Contains(l.Peak), $"{l.Prompt}: peak {l.Peak} outside box {l.Box}.");
            Assert.Equal(l.HeatMap.Max, l.PeakCosine);
            int counted = 0;
            foreach (bool m in l.Mask)
            {
                counted += m ? 1 : 0;
            }

            Assert.Equal(counted, l.MaskArea);
            Assert.InRange(l.MaskArea, 1, (long)image.Width * image.Height - 1);
            Assert.True(l.Box.Area <= (long)image.Width * image.Height);
        }

        Assert.Equal(prompts, located.Select(l => l.Prompt));
        Assert.False(located[0].HeatMap.Cells.SequenceEqual(located[1].HeatMap.Cells), "two prompts gave the same map.");
    }

    [Fact]
    public void Cells_AreTheCosinesOfTheModelsDenseFeaturesWithTheTextEmbedding()
    {
        DecodedImage image = Photo();
        Clip clip = Locator.Clip;
        PromptLocation located = Locator.Locate(image, ["a red star"])[0];

        // Independently: the transform, the tower's dense forward and the plain text encoder.
        int r = clip.ImageTransform.Resolution;
        Tensor dense = clip.Model.EncodeImageDense(new Tensor(clip.ImageTransform.Apply(image), 1, 3, r, r));
        Tensor text = clip.EncodeTexts(["a red star"]);
        int e = clip.EmbedDim;
        for (int c = 0; c < 16; c++)
        {
            ReadOnlySpan<float> cell = dense.Span.Slice(c * e, e);
            float cosine = TensorPrimitives.Dot(cell, text.Span) / TensorPrimitives.Norm(cell);
            Assert.Equal(cosine, located.HeatMap.Cells[c], 1e-5f);
        }
    }

    [Fact]
    public void HeatMap_IsTheBilinearUpsamplingOfTheGridOverTheCentreCrop()
    {
        DecodedImage image = Photo();
        HeatMap map = Locator.Locate(image, ["a red star"])[0].HeatMap;

        // The model takes 32 px: 640x480 -> 42x32, crop left 5, so the view is x in [5·640/42, 37·640/42), all rows.
        Assert.Equal(32, Locator.Clip.ImageTransform.Resolution);
        Assert.Equal(5 * 640.0 / 42, map.View.Left, 6);
        Assert.Equal(32 * 640.0 / 42, map.View.Width, 6);
        Assert.Equal(0, map.View.Top);
        Assert.Equal(480, map.View.Height, 6);

        ReadOnlySpan<float> cells = map.Cells;
        float low = cells.ToArray().Min() - 1e-6f, high = cells.ToArray().Max() + 1e-6f;
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                Assert.Equal(Bilinear(cells, 4, map.View, x, y), map[x, y], 1e-5f);
                Assert.InRange(map[x, y], low, high);
            }
        }

        // Left of the view the map repeats the first column's edge value.
        Assert.Equal(map[0, 100], map[20, 100]);
    }

    [Fact]
    public void Threshold_ZeroMasksEverything_OneOnlyThePeakCell()
    {
        DecodedImage image = Photo();
        PromptLocation all = Locator.Locate(image, ["a red star"], threshold: 0f)[0];
        PromptLocation top = Locator.Locate(image, ["a red star"], threshold: 1f)[0];

        Assert.Equal((long)image.Width * image.Height, all.MaskArea);
        Assert.Equal(new PixelBox(0, 0, image.Width, image.Height), all.Box);
        Assert.True(top.MaskArea < all.MaskArea / 4, $"threshold 1 kept {top.MaskArea} pixels.");
        Assert.True(top.Mask[(top.Peak.Y * image.Width) + top.Peak.X]);
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        DecodedImage image = Photo();
        Assert.Throws<ArgumentOutOfRangeException>("threshold", () => Locator.Locate(image, ["a"], threshold: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>("threshold", () => Locator.Locate(image, ["a"], threshold: float.NaN));
        Assert.Throws<ArgumentException>("labels", () => Locator.Locate(image, []));
        Assert.Throws<ArgumentException>("embeddings", () => Locator.Locate(image, ["a", "b"], Locator.EmbedPrompts(["a"], ClipLocator.Verbatim)));
    }

    [Fact]
    public void Segment_LabelsEveryPixelWithTheHighestHeatMap()
    {
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "tall_300x800.png"));
        string[] labels = ["cat", "dog", "background"];
        Tensor embeddings = Locator.EmbedPrompts(labels, PromptTemplates.Default);

        Segmentation segmentation = Locator.Segment(image, labels, embeddings);
        IReadOnlyList<HeatMap> maps = Locator.HeatMaps(image, labels, embeddings);

        Assert.Equal(labels, segmentation.Labels);
        Assert.Equal(image.Width * image.Height, segmentation.Map.Length);
        Assert.Equal((long)image.Width * image.Height, Enumerable.Range(0, 3).Sum(segmentation.Area));
        for (int y = 0; y < image.Height; y += 7)
        {
            for (int x = 0; x < image.Width; x += 5)
            {
                int label = segmentation[x, y];
                Assert.InRange(label, 0, 2);
                Assert.All(maps, m => Assert.True(m[x, y] <= maps[label][x, y]));
            }
        }

        Assert.True(Enumerable.Range(0, 3).Count(l => segmentation.Area(l) > 0) >= 2, "one label took the whole image.");
    }

    [Fact]
    public void LocateAndSegment_IsLocateOfTheFirstLabelsAndSegmentOfAll()
    {
        DecodedImage image = Photo();
        string[] labels = ["a red star", "a circle", "background"];
        Tensor embeddings = Locator.EmbedPrompts(labels, ClipLocator.Verbatim);

        (IReadOnlyList<PromptLocation> located, Segmentation segmentation) = Locator.LocateAndSegment(image, labels, embeddings, 2, 0.4f);

        IReadOnlyList<PromptLocation> alone = Locator.Locate(image, labels[..2], embeddings.Slice(0, 2), 0.4f);
        Assert.Equal(labels[..2], located.Select(l => l.Prompt));
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(alone[p].HeatMap.Values.ToArray(), located[p].HeatMap.Values.ToArray());
            Assert.Equal(alone[p].Peak, located[p].Peak);
            Assert.Equal(alone[p].Box, located[p].Box);
        }

        Assert.Equal(Locator.Segment(image, labels, embeddings).Map.ToArray(), segmentation.Map.ToArray());
    }

    [Fact]
    public void Overlay_IsAPngOfOnePanelPerPrompt()
    {
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "square_224x224.png"));
        IReadOnlyList<PromptLocation> located = Locator.Locate(image, ["a red star", "a circle"]);

        byte[] png = LocalizationOverlay.Render(image, located);

        DecodedImage decoded = ImageDecoder.Decode(png, "overlay.png");
        Assert.Equal(2 * image.Width, decoded.Width);
        Assert.True(decoded.Height > image.Height);
        Assert.Throws<ArgumentException>("image", () => LocalizationOverlay.Render(Photo(), located));
    }

    [Fact]
    public void ImageEmbeddings_AreOneForDenseAndTheOcclusionPassesSharedByEveryPrompt()
    {
        Assert.Equal(1, Locator.ImageEmbeddings(3));
        ClipLocator occlusion = Locator.With(new LocateOptions { Method = LocateMethod.Occlusion });
        Assert.Equal(OcclusionSensitivity.Passes(Locator.Clip.Model, occlusion.Options), occlusion.ImageEmbeddings(1));
        Assert.Equal(occlusion.ImageEmbeddings(1), occlusion.ImageEmbeddings(8));

        // A stride of a whole 8-pixel cell: one occluder size, the cell, at 4 × 4 positions, and the image itself.
        Assert.Equal(1 + (4 * 4), occlusion.With(occlusion.Options with { OcclusionStride = 8 }).ImageEmbeddings(1));
        Assert.Throws<ArgumentOutOfRangeException>("prompts", () => Locator.ImageEmbeddings(0));
    }

    // PyTorch's bilinear interpolate (align_corners=False) of a g×g grid laid over the view, clamped at the edges.
    private static float Bilinear(ReadOnlySpan<float> cells, int g, ModelView view, int x, int y)
    {
        double sx = Math.Clamp((((x + 0.5 - view.Left) / view.Width) * g) - 0.5, 0, g - 1);
        double sy = Math.Clamp((((y + 0.5 - view.Top) / view.Height) * g) - 0.5, 0, g - 1);
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        int x1 = Math.Min(x0 + 1, g - 1), y1 = Math.Min(y0 + 1, g - 1);
        double fx = sx - x0, fy = sy - y0;
        double top = ((1 - fx) * cells[(y0 * g) + x0]) + (fx * cells[(y0 * g) + x1]);
        double bottom = ((1 - fx) * cells[(y1 * g) + x0]) + (fx * cells[(y1 * g) + x1]);
        return (float)(((1 - fy) * top) + (fy * bottom));
    }
}

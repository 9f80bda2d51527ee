using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Models;

/// <summary>The tiny reference models must reproduce every recorded output and intermediate.</summary>
public sealed class GoldenParityTests(ITestOutputHelper output)
{
    private const string Prefix = "intermediate.";

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void MatchesReferenceOutputsAndIntermediates(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();

        var observed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Observe(string n, Tensor t) => observed.Add(n, t);

        Tensor image = model.EncodeImage(golden.Images, Observe);
        Tensor text = model.EncodeText(golden.Texts, golden.TextBatch, Observe);
        Tensor imageNormalized = ClipModel.Normalize(image);
        Tensor textNormalized = ClipModel.Normalize(text);
        (Tensor perImage, Tensor perText) = model.Logits(image, text);
        var computed = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["encode_image"] = image,
            ["encode_text"] = text,
            ["image_features_normalized"] = imageNormalized,
            ["text_features_normalized"] = textNormalized,
            ["logits_per_image"] = perImage,
            ["logits_per_text"] = perText,
            ["logit_scale_exp"] = new Tensor(new[] { MathF.Exp(model.LogitScale) }),
        };

        using var expected = SafeTensorsFile.Open(golden.Path("outputs.safetensors"));
        int intermediates = 0;
        foreach (string key in expected.Names.Order(StringComparer.Ordinal))
        {
            Tensor reference = expected.ReadTensor(key);
            Tensor actual;
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                Assert.True(observed.TryGetValue(key[Prefix.Length..], out actual!), $"{name}: no intermediate '{key[Prefix.Length..]}' was observed.");
                intermediates++;
            }
            else
            {
                Assert.True(computed.TryGetValue(key, out actual!), $"{name}: output '{key}' is not computed by the test.");
            }

            double err = Compare.MaxAbs(actual.Span, reference.Span);
            output.WriteLine($"{name} vs float32 reference: {key} {reference.ShapeString} max abs error {err:E2}");
            Compare.Close($"{name}.{key}", actual, reference);
        }

        Assert.True(intermediates >= 4, $"{name}: expected the reference intermediates, found {intermediates}.");
        Assert.Equal(observed.Count, intermediates);

        using var f64 = SafeTensorsFile.Open(golden.Path("outputs_f64.safetensors"));
        foreach (string key in f64.Names.Order(StringComparer.Ordinal))
        {
            Assert.True(computed.TryGetValue(key, out Tensor? actual), $"{name}: float64 output '{key}' is not computed by the test.");
            double err = Compare.MaxAbs(actual!.Span, f64.ReadFloat64(key));
            output.WriteLine($"{name} vs float64 reference: {key} max abs error {err:E2}");
            Assert.True(err < 1e-4, $"{name}.{key}: {err:E2} from the float64 reference.");
        }
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void IdsAfterEndOfTextDoNotChangeTheFeatures(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        int ctx = golden.Config.ContextLength;

        int row = -1;
        int[] cleaned = (int[])golden.Texts.Clone();
        for (int b = 0; b < golden.TextBatch; b++)
        {
            int eot = TextTransformer.EndOfTextIndex(cleaned.AsSpan(b * ctx, ctx));
            for (int t = eot + 1; t < ctx; t++)
            {
                if (cleaned[(b * ctx) + t] != 0)
                {
                    row = b;
                    cleaned[(b * ctx) + t] = 0;
                }
            }
        }

        Assert.True(row >= 0, "the fixture should hold a row with ids after its end-of-text token.");
        Tensor withNoise = model.EncodeText(golden.Texts, golden.TextBatch);
        Tensor withPadding = model.EncodeText(cleaned, golden.TextBatch);
        double err = Compare.MaxAbs(withNoise.Span, withPadding.Span);
        output.WriteLine($"{name}: row {row} with ids after EOT vs zero padding: max abs difference {err:E2}");
        Assert.True(err <= 1e-6, $"ids after EOT moved the text features by {err:E2}.");
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void OneAtATimeMatchesBatched(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        Tensor images = model.EncodeImage(golden.Images);
        Tensor texts = model.EncodeText(golden.Texts, golden.TextBatch);
        int e = golden.Config.EmbedDim;
        int ctx = golden.Config.ContextLength;

        double worst = 0;
        for (int b = 0; b < golden.Batch; b++)
        {
            Tensor one = model.EncodeImage(golden.Images.Slice(b, 1));
            worst = Math.Max(worst, Compare.MaxAbs(one.Span, images.Span.Slice(b * e, e)));
        }

        for (int b = 0; b < golden.TextBatch; b++)
        {
            Tensor one = model.EncodeText(golden.Texts.AsSpan(b * ctx, ctx), 1);
            worst = Math.Max(worst, Compare.MaxAbs(one.Span, texts.Span.Slice(b * e, e)));
        }

        output.WriteLine($"{name}: batch 1 vs batched, max abs difference {worst:E2}");
        Assert.True(worst <= 1e-5, $"batch-1 results differ from batched ones by {worst:E2}.");
    }

    [Fact]
    public void GeluSelectionChangesTheOutputs()
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        ClipModel quick = golden.CreateModel();
        ClipModel gelu = ClipModel.FromStateDict(golden.Config with { Activation = ActivationKind.Gelu }, golden.StateDict);
        Assert.Equal(ActivationKind.Gelu, gelu.Config.Activation);

        double imageDiff = Compare.MaxAbs(gelu.EncodeImage(golden.Images).Span, quick.EncodeImage(golden.Images).Span);
        double textDiff = Compare.MaxAbs(
            gelu.EncodeText(golden.Texts, golden.TextBatch).Span, quick.EncodeText(golden.Texts, golden.TextBatch).Span);
        Assert.True(imageDiff > 1e-3, $"GELU moved encode_image by only {imageDiff:E2}.");
        Assert.True(textDiff > 1e-3, $"GELU moved encode_text by only {textDiff:E2}.");
    }
}

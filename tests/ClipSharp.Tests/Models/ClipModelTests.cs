using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Models;

public sealed class ClipModelTests
{
    private static readonly ClipConfig s_tinyVit = new(16, 32, [1], 64, 16, 8, 50, 32, 2, 1);
    private static readonly ClipConfig s_tinyResNet = new(16, 64, [1, 1, 1, 1], 8, null, 8, 50, 32, 2, 1);

    [Fact]
    public void StateDictHoldsEveryReferenceTensorOfTheGoldenFiles()
    {
        foreach (string name in new[] { "vit_tiny", "rn_tiny" })
        {
            GoldenModel golden = GoldenModel.Load(name);
            ClipModel model = golden.CreateModel();
            IReadOnlyDictionary<string, Tensor> state = model.StateDict();
            var fileNames = golden.StateDict.Keys.Where(k => !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).Order().ToArray();
            Assert.Equal(fileNames, state.Keys.Order().ToArray());
            foreach (string key in fileNames)
            {
                Assert.Equal(golden.StateDict[key].ToArray(), state[key].ToArray());
            }

            long buffers = model.Buffers.Layout.Count;
            Assert.Equal(golden.StateDict.Values.Sum(t => (long)t.Length), model.ParameterCount + buffers + (golden.StateDict.Count - fileNames.Length));
            Assert.Equal(model.ParameterCount, model.NamedParameters().Sum(p => (long)p.Value.Length));
            Assert.Equal(model.ParameterCount, ClipModel.CountParameters(golden.Config));
        }
    }

    [Fact]
    public void ParametersAreViewsOfOneContiguousBuffer()
    {
        ClipModel model = ClipModel.Create(s_tinyResNet);
        long offset = 0;
        foreach (var p in model.Parameters.Layout.Entries)
        {
            Assert.Equal(offset, p.Offset);
            offset += p.Length;
        }

        Assert.Equal(model.Parameters.Data.Length, offset);
        Assert.DoesNotContain(model.NamedParameters(), p => p.Name.Contains("running_", StringComparison.Ordinal));
        Assert.Contains(model.Buffers.Layout.Entries, p => p.Name == "visual.layer2.0.downsample.1.running_var");

        // Writing through the state dict view changes what the model computes with.
        model.StateDict()["logit_scale"].Span[0] = 1.5f;
        Assert.Equal(1.5f, model.LogitScale);
        Assert.Equal(1.5f, model.Parameters.Data[(int)model.LogitScaleParameter.Offset]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CreatedModelsRunAndRepeat(bool resNet)
    {
        ClipConfig config = resNet ? s_tinyResNet : s_tinyVit;
        ClipModel a = ClipModel.Create(config);
        ClipModel b = ClipModel.Create(config);
        Assert.Equal(MathF.Log(1 / 0.07f), a.LogitScale, 5);
        var images = RandomImages(2, config.ImageResolution, seed: 7);
        int[] tokens = [48, 5, 6, 49, 0, 0, 0, 0, 48, 9, 49, 0, 0, 0, 0, 0];

        Tensor fa = a.EncodeImage(images);
        Assert.Equal(new[] { 2, config.EmbedDim }, fa.Shape.ToArray());
        Assert.Equal(fa.ToArray(), b.EncodeImage(images).ToArray());
        Assert.All(fa.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(0f, fa.ToArray().Max(MathF.Abs));

        Tensor ta = a.EncodeText(tokens, 2);
        Assert.Equal(ta.ToArray(), b.EncodeText(tokens, 2).ToArray());
        (Tensor perImage, Tensor perText) = a.Logits(fa, ta);
        Assert.Equal(new[] { 2, 2 }, perImage.Shape.ToArray());
        Assert.Equal(perImage.Span[1], perText.Span[2]);
        Assert.InRange(MathF.Abs(perImage.Span[0]), 0f, MathF.Exp(a.LogitScale) * 1.0001f);
    }

    [Fact]
    public void RejectsImagesOfTheWrongShape()
    {
        ClipModel model = ClipModel.Create(s_tinyVit);
        var ex = Assert.Throws<ArgumentException>(() => model.EncodeImage(Tensor.Zeros(1, 3, 64, 64)));
        Assert.Contains("[batch, 3, 32, 32]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 3, 64, 64]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.EncodeImage(Tensor.Zeros(1, 1, 32, 32)));
        Assert.Throws<ArgumentException>(() => model.EncodeImage(Tensor.Zeros(3, 32, 32)));
        var empty = Assert.Throws<ArgumentException>(() => model.EncodeImage(Tensor.Zeros(0, 3, 32, 32)));
        Assert.Contains("batch of 0", empty.Message, StringComparison.Ordinal);

        ClipModel resNet = ClipModel.Create(s_tinyResNet);
        Assert.Throws<ArgumentException>(() => resNet.EncodeImage(Tensor.Zeros(1, 3, 32, 32)));
    }

    [Fact]
    public void RejectsBadTokens()
    {
        ClipModel model = ClipModel.Create(s_tinyVit);
        int[] row = [48, 5, 49, 0, 0, 0, 0, 0];

        var outOfVocab = Assert.Throws<ArgumentOutOfRangeException>(() => model.EncodeText([48, 5, 50, 0, 0, 0, 0, 0], 1));
        Assert.Contains("token id 50 at row 0, position 2", outOfVocab.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.EncodeText([48, -1, 49, 0, 0, 0, 0, 0], 1));

        var length = Assert.Throws<ArgumentException>(() => model.EncodeText(row.AsSpan(0, 7), 1));
        Assert.Contains("rows of exactly 8", length.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.EncodeText(row, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.EncodeText([], 0));
    }

    [Fact]
    public void RejectsInvalidConfigs()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClipModel.Create(s_tinyVit with { VisionLayers = [1, 1, 1, 1] }));
        Assert.Contains("one VisionLayers entry", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ClipModel.Create(s_tinyResNet with { VisionLayers = [2] }));
        Assert.Throws<ArgumentException>(() => ClipModel.CountParameters(s_tinyVit with { ImageResolution = 33 }));
        Assert.Throws<ArgumentException>(() => ClipModel.CountParameters(s_tinyResNet with { ImageResolution = 16 }));
        Assert.Throws<ArgumentException>(() => ClipModel.CountParameters(s_tinyVit with { TransformerHeads = 3 }));
    }

    [Fact]
    public void StrictLoadingListsMissingUnexpectedAndMisshapenTensors()
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        var state = new Dictionary<string, Tensor>(golden.StateDict);
        state.Remove("visual.ln_post.bias");
        state.Remove("transformer.resblocks.1.mlp.c_fc.weight");
        state["visual.proj"] = Tensor.Zeros(32, 128);
        state["visual.extra"] = Tensor.Zeros(3);

        var ex = Assert.Throws<StateDictMismatchException>(() => ClipModel.FromStateDict(golden.Config, state));
        Assert.Equal(
            ["visual.ln_post.bias (expected [128])", "transformer.resblocks.1.mlp.c_fc.weight (expected [128, 32])"],
            ex.Missing.Order(StringComparer.Ordinal).Reverse().ToArray());
        Assert.Equal(["visual.extra (found [3])"], ex.Unexpected);
        Assert.Equal(["visual.proj (expected [128, 32], found [32, 128])"], ex.ShapeMismatches);
        Assert.Contains("missing: visual.ln_post.bias (expected [128])", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shape mismatch: visual.proj", ex.Message, StringComparison.Ordinal);

        // A ResNet's state dict cannot load into a ViT config.
        GoldenModel resNet = GoldenModel.Load("rn_tiny");
        var wrongTower = Assert.Throws<StateDictMismatchException>(() => ClipModel.FromStateDict(golden.Config, resNet.StateDict));
        Assert.Contains(wrongTower.Unexpected, u => u.StartsWith("visual.attnpool.", StringComparison.Ordinal));
        Assert.DoesNotContain(wrongTower.Unexpected, u => u.Contains("num_batches_tracked", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadedValuesAreCopiesNotAliases()
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        var state = new Dictionary<string, Tensor>(golden.StateDict);
        ClipModel model = ClipModel.FromStateDict(golden.Config, state);
        float before = model.LogitScale;
        state["logit_scale"].Span[0] += 1f;
        Assert.Equal(before, model.LogitScale);
    }

    private static Tensor RandomImages(int batch, int resolution, int seed)
    {
        var random = new Random(seed);
        var data = new float[batch * 3 * resolution * resolution];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return new Tensor(data, batch, 3, resolution, resolution);
    }
}

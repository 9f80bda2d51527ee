using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Conversion;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using ClipSharp.Testing;
using ClipSharp.Tests.Checkpoints;

namespace ClipSharp.Tests.Models;

// Clip.Load packs the float32 matrix weights once for the GEMM instead of on every product; the products are the
// same operations on the same values, so the embeddings equal those of the model built to train, bit for bit.
public sealed class PackedFloat32Tests
{
    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void Embeddings_EqualTheUnpackedModel_BitForBit(string model)
    {
        string path = ReducedPrecisionFolders.Original(model);
        Clip packed = Clip.Load(path, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        ClipCheckpoint checkpoint = ModelFolder.Load(path, Fixtures.TinyVocab);
        ClipModel unpacked = ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict);

        // Every matrix weight is packed as float32 and has no slot in the store; the rest of the store is unchanged.
        var weights = packed.Model.PackedWeights().ToList();
        Assert.Equal(
            unpacked.Parameters.Layout.Entries.Count(p => QuantizedWeights.IsQuantizable(p.Name, p.Shape)),
            weights.Count);
        Assert.All(weights, w => Assert.Equal(WeightPrecision.Float32, w.Weight.Precision));
        Assert.Contains(weights, w => w.Name == (model == "vit_tiny" ? "visual.conv1.weight" : "visual.layer2.0.conv2.weight"));
        Assert.Contains(weights, w => w.Name == "visual.attnpool.c_proj.weight" || w.Name == "visual.proj");
        long packedFloats = weights.Sum(w => (long)w.Weight.OutFeatures * w.Weight.InFeatures);
        Assert.Equal(unpacked.ParameterCount - packedFloats, packed.Model.Parameters.Data.LongLength);
        IReadOnlyDictionary<string, Tensor> values = packed.Model.StateDict();
        foreach ((string name, Tensor expected) in unpacked.StateDict())
        {
            Assert.Equal(expected.ToArray(), values[name].ToArray());
        }

        using var inputs = SafeTensorsFile.Open(Fixtures.GoldenPath("model", model, "inputs.safetensors"));
        Tensor images = inputs.ReadTensor("images");
        int[] texts = inputs.ReadInt32("texts");
        int batch = texts.Length / unpacked.Config.ContextLength;
        AssertBitEqual(unpacked.EncodeImage(images), packed.Model.EncodeImage(images), $"{model} image");
        AssertBitEqual(unpacked.EncodeText(texts, batch), packed.Model.EncodeText(texts, batch), $"{model} text");

        // One image and one text alone: the few-row GEMM path.
        int r = unpacked.Config.ImageResolution;
        Tensor one = images.Slice(0, 1).Reshape(1, 3, r, r);
        AssertBitEqual(unpacked.EncodeImage(one), packed.Model.EncodeImage(one), $"{model} image b1");
        AssertBitEqual(
            unpacked.EncodeText(texts.AsSpan(0, unpacked.Config.ContextLength), 1),
            packed.Model.EncodeText(texts.AsSpan(0, unpacked.Config.ContextLength), 1),
            $"{model} text b1");
    }

    [Fact]
    public void AHuggingFaceFolder_IsPackedToo_AndEmbedsAsTheUnpackedModel()
    {
        using var temp = new IO.TempFolder();
        string folder = temp.File("hf");
        ModelConverter.Convert(
            ModelFolder.Load(ReducedPrecisionFolders.Original("vit_tiny"), Fixtures.TinyVocab), folder, ModelLayout.Hf, SafeTensorsDType.F32);
        ClipCheckpoint checkpoint = ModelFolder.Load(folder, Fixtures.TinyVocab);
        Assert.Equal(ModelLayout.Hf, checkpoint.Layout);
        ClipModel unpacked = ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict);
        Clip packed = Clip.Load(folder, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Assert.Empty(unpacked.PackedWeights());
        Assert.Contains(packed.Model.PackedWeights(), w => w.Name == "visual.proj" && w.Weight.Precision == WeightPrecision.Float32);

        using var inputs = SafeTensorsFile.Open(Fixtures.GoldenPath("model", "vit_tiny", "inputs.safetensors"));
        Tensor images = inputs.ReadTensor("images");
        int[] texts = inputs.ReadInt32("texts");
        AssertBitEqual(unpacked.EncodeImage(images), packed.Model.EncodeImage(images), "hf image");
        int batch = texts.Length / unpacked.Config.ContextLength;
        AssertBitEqual(unpacked.EncodeText(texts, batch), packed.Model.EncodeText(texts, batch), "hf text");
    }

    private static void AssertBitEqual(Tensor expected, Tensor actual, string context)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        ReadOnlySpan<float> e = expected.Span;
        ReadOnlySpan<float> a = actual.Span;
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(a[i]),
                $"{context}: element {i} is {a[i]:R}, the unpacked model gives {e[i]:R}");
        }
    }
}

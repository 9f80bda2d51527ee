using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Torch;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;
using ClipSharp.Tests.Models;

namespace ClipSharp.Tests.Checkpoints.Torch;

/// <summary>Each golden .pt file yields exactly the tensors its manifest lists, and the fp16 TorchScript model runs.</summary>
public sealed class TorchGoldenFilesTests(ITestOutputHelper output)
{
    public static string PtPath(string file) => Fixtures.GoldenPath("torch_pt", file);

    [Theory]
    [InlineData("state_dict.pt", TorchFileFormat.Zip)]
    [InlineData("legacy_state_dict.pt", TorchFileFormat.Legacy)]
    [InlineData("torchscript_fp16.pt", TorchFileFormat.TorchScript)]
    public void EveryTensorMatchesTheManifest(string file, TorchFileFormat format)
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(PtPath("manifest.json")));
        JsonElement expected = manifest.RootElement.GetProperty(file).GetProperty("tensors");
        using TorchCheckpoint checkpoint = TorchCheckpoint.Open(PtPath(file));

        Assert.Equal(format, checkpoint.Format);
        Assert.Equal(
            expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal),
            checkpoint.Tensors.Select(t => t.Key).Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in checkpoint.Tensors)
        {
            JsonElement e = expected.GetProperty(name);
            Assert.Equal(e.GetProperty("dtype").GetString(), TorchName(tensor.DType));
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), tensor.Shape);
            byte[] bytes = tensor.DType.IsFloatingPoint()
                ? MemoryMarshal.AsBytes(tensor.ToFloat32().AsSpan()).ToArray()
                : MemoryMarshal.AsBytes(tensor.ToInt64().AsSpan()).ToArray();
            Assert.True(
                Convert.ToHexStringLower(SHA256.HashData(bytes))
                    == e.GetProperty(tensor.DType.IsFloatingPoint() ? "sha256_of_float32_bytes" : "sha256_of_int64_bytes").GetString(),
                $"{file}: {name} values differ from the manifest");
        }

        output.WriteLine($"{file}: {checkpoint.Tensors.Count} tensors match");
    }

    [Theory]
    [InlineData("state_dict.pt")]
    [InlineData("legacy_state_dict.pt")]
    public void StateDictFilesHoldExactlyTheSafetensorsWeights(string file)
    {
        using TorchCheckpoint checkpoint = TorchCheckpoint.Open(PtPath(file));
        GoldenWeights.AssertIdentical(
            GoldenWeights.ReadAll(Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors")),
            checkpoint.Tensors.ToDictionary(t => t.Key, t => t.Value.ToTensor(), StringComparer.Ordinal));
    }

    [Fact]
    public void TorchScriptFp16ModelReproducesTheReferenceOutputs()
    {
        using var folder = new TempFolder();
        string pt = folder.Copy(PtPath("torchscript_fp16.pt"));
        folder.Copy(Fixtures.GoldenPath("model", "vit_tiny", "config.json"));

        ClipCheckpoint checkpoint = ModelFolder.Load(pt, Fixtures.TinyVocab);
        Assert.Equal(CheckpointFormat.TorchScript, checkpoint.SourceFormat);
        Assert.Equal(ModelLayout.OpenAi, checkpoint.Layout);
        Assert.Equal(35, checkpoint.SourceDTypes.Values.Count(d => d == SafeTensorsDType.F16));
        Assert.Equal(27, checkpoint.SourceDTypes.Values.Count(d => d == SafeTensorsDType.F32));
        Assert.DoesNotContain("input_resolution", checkpoint.StateDict.Keys);

        ClipModel model = ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict);
        using var inputs = SafeTensorsFile.Open(Fixtures.GoldenPath("model", "vit_tiny", "inputs.safetensors"));
        int[] texts = inputs.ReadInt32("texts");
        Tensor image = model.EncodeImage(inputs.ReadTensor("images"));
        Tensor text = model.EncodeText(texts, texts.Length / checkpoint.Config.ContextLength);
        (Tensor perImage, Tensor perText) = model.Logits(image, text);
        var computed = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["encode_image"] = image,
            ["encode_text"] = text,
            ["image_features_normalized"] = ClipModel.Normalize(image),
            ["text_features_normalized"] = ClipModel.Normalize(text),
            ["logits_per_image"] = perImage,
            ["logits_per_text"] = perText,
            ["logit_scale_exp"] = new Tensor(new[] { MathF.Exp(model.LogitScale) }),
        };

        using var expected = SafeTensorsFile.Open(PtPath("expected_fp16_weights_outputs.safetensors"));
        Assert.Equal(computed.Keys.Order(StringComparer.Ordinal), expected.Names.Order(StringComparer.Ordinal));
        foreach (var (key, actual) in computed)
        {
            Tensor reference = expected.ReadTensor(key);
            output.WriteLine($"torchscript_fp16: {key} max abs error {Compare.MaxAbs(actual.Span, reference.Span):E2}");
            Compare.Close(key, actual, reference, atol: 1e-5, rtol: 0);
        }
    }

    [Theory]
    [InlineData("state_dict.pt", CheckpointFormat.PyTorch)]
    [InlineData("legacy_state_dict.pt", CheckpointFormat.PyTorchLegacy)]
    public void ModelFolderLoadsStateDictFilesLikeTheSafetensorsFolder(string file, CheckpointFormat format)
    {
        using var folder = new TempFolder();
        folder.Copy(PtPath(file));
        folder.Copy(Fixtures.GoldenPath("model", "vit_tiny", "config.json"));
        ClipCheckpoint fromPt = ModelFolder.Load(folder.Path, Fixtures.TinyVocab);
        ClipCheckpoint fromSafetensors = ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab);

        Assert.Equal(format, fromPt.SourceFormat);
        Assert.Equal(CheckpointFormat.SafeTensors, fromSafetensors.SourceFormat);
        Assert.Equal(fromSafetensors.Config, fromPt.Config);
        GoldenWeights.AssertIdentical(fromSafetensors.StateDict, fromPt.StateDict);
    }

    private static string TorchName(TorchDType dtype) => dtype switch
    {
        TorchDType.Float => "float32",
        TorchDType.Half => "float16",
        TorchDType.BFloat16 => "bfloat16",
        TorchDType.Double => "float64",
        TorchDType.Long => "int64",
        _ => "int32",
    };
}

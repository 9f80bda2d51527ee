using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Conversion;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

public sealed class Int8FormatTests
{
    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void Int8Folder_HoldsInt8MatrixWeights_WithPerOutputChannelScales_AndFloat32Rest(string model)
    {
        using var temp = new TempFolder();
        string folder = ReducedPrecisionFolders.Convert(temp, model, SafeTensorsDType.I8);
        Dictionary<string, Tensor> original = GoldenWeights.ReadAll(Path.Combine(ReducedPrecisionFolders.Original(model), "weights.safetensors"));
        using var file = SafeTensorsFile.Open(Path.Combine(folder, ModelConverter.OpenAiWeightsFileName));
        Assert.Equal("int8", file.Metadata["dtype"]);

        int quantised = 0;
        foreach (var (name, tensor) in original.Where(kv => !kv.Key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)))
        {
            SafeTensorInfo info = file.Info(name);
            Assert.Equal(tensor.Shape.ToArray(), info.Shape);
            if (!QuantizedWeights.IsQuantizable(name, tensor.Shape))
            {
                Assert.True(info.DType == SafeTensorsDType.F32, $"{name} is {info.DType}");
                Assert.False(file.Contains(name + "_scale"), name);
                continue;
            }

            quantised++;
            Assert.Equal(SafeTensorsDType.I8, info.DType);
            SafeTensorInfo scaleInfo = file.Info(name + "_scale");
            Assert.Equal(SafeTensorsDType.F32, scaleInfo.DType);
            (int n, int k) = QuantizedWeights.MatrixShape(name, tensor.Shape);
            Assert.Equal([n], scaleInfo.Shape);

            // Every stored value is within half a step of the float32 weight, and each channel uses the full range.
            float[] scales = file.ReadTensor(name + "_scale").ToArray();
            sbyte[] q = file.RawBytes(name).ToArray().Select(b => (sbyte)b).ToArray();
            bool inputMajor = QuantizedWeights.IsInputMajor(name);
            var channelMax = new int[n];
            float[] w = tensor.ToArray();
            for (int i = 0; i < w.Length; i++)
            {
                int j = inputMajor ? i % n : i / k;
                Assert.True(Math.Abs((q[i] * scales[j]) - w[i]) <= (scales[j] * 0.5f) + 1e-7f, $"{name}[{i}]: {q[i]} * {scales[j]} vs {w[i]}");
                channelMax[j] = Math.Max(channelMax[j], Math.Abs((int)q[i]));
            }

            Assert.All(channelMax, m => Assert.Equal(127, m));
        }

        // Both towers' blocks, the projections, and the convolutions / attention pool.
        Assert.True(quantised >= 10, $"{quantised} quantised tensors");
        Assert.Equal(SafeTensorsDType.I8, file.Info("text_projection").DType);
        Assert.Equal(SafeTensorsDType.I8, file.Info("transformer.resblocks.0.attn.in_proj_weight").DType);
        Assert.Equal(SafeTensorsDType.F32, file.Info("token_embedding.weight").DType);
        Assert.Equal(SafeTensorsDType.F32, file.Info("logit_scale").DType);
        if (model == "vit_tiny")
        {
            Assert.Equal(SafeTensorsDType.I8, file.Info("visual.proj").DType);
            Assert.Equal(SafeTensorsDType.I8, file.Info("visual.conv1.weight").DType);
            Assert.Equal(SafeTensorsDType.F32, file.Info("visual.class_embedding").DType);
        }
        else
        {
            Assert.Equal(SafeTensorsDType.I8, file.Info("visual.attnpool.c_proj.weight").DType);
            Assert.Equal(SafeTensorsDType.I8, file.Info("visual.layer1.0.conv2.weight").DType);
            Assert.Equal(SafeTensorsDType.F32, file.Info("visual.bn1.running_var").DType);
        }
    }

    [Fact]
    public void Int8Folder_LoadsForTraining_WithDequantisedFloat32Weights()
    {
        using var temp = new TempFolder();
        string folder = ReducedPrecisionFolders.Convert(temp, "vit_tiny", SafeTensorsDType.I8);

        // The trainer's path: an eager load and FromStateDict.
        ClipCheckpoint checkpoint = ModelFolder.Load(folder);
        ClipModel training = ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict);
        Assert.True(training.Parameters.HoldsEveryEntry);
        Assert.Empty(training.PackedWeights());

        Clip inference = Clip.Load(folder, null, TestContext.Current.CancellationToken);
        Assert.False(inference.Model.Parameters.HoldsEveryEntry);
        var packed = inference.Model.PackedWeights().ToDictionary(p => p.Name, p => p.Weight);
        Assert.Contains("visual.transformer.resblocks.1.mlp.c_fc.weight", packed.Keys);

        using var file = SafeTensorsFile.Open(Path.Combine(folder, ModelConverter.OpenAiWeightsFileName));
        foreach (var (name, weight) in packed)
        {
            // q · scale exactly, in the tensor's own layout.
            float[] expected = weight.Dequantize(QuantizedWeights.IsInputMajor(name));
            Assert.Equal(expected, training.Parameters[name].ToArray());
            Assert.Equal(expected, inference.Model.StateDict()[name].ToArray());
        }

        // A gradient step is possible on the training model only; the inference model says why not.
        var error = Assert.Throws<InvalidOperationException>(() => inference.Model.Parameters.View(((VisionTransformer)inference.Model.Visual).Proj));
        Assert.Contains("packed", error.Message);
        Assert.Contains("float32", Assert.Throws<InvalidOperationException>(() => ((VisionTransformer)inference.Model.Visual).Proj.Value).Message);
    }

    [Fact]
    public void Int8WithoutItsScale_IsRejected_NamingTheTensor()
    {
        using var temp = new TempFolder();
        string folder = ReducedPrecisionFolders.Convert(temp, "vit_tiny", SafeTensorsDType.I8);
        string broken = ReducedPrecisionFolders.Rewrite(temp, folder, "no-scale", t => t.Remove("visual.proj_scale"));
        AssertFormatError(broken, "int8 tensor 'visual.proj' has no scale tensor 'visual.proj_scale'");
    }

    [Fact]
    public void AScaleOfTheWrongShape_IsRejected()
    {
        using var temp = new TempFolder();
        string folder = ReducedPrecisionFolders.Convert(temp, "vit_tiny", SafeTensorsDType.I8);
        const string name = "transformer.resblocks.0.mlp.c_fc.weight_scale";
        string broken = ReducedPrecisionFolders.Rewrite(temp, folder, "bad-shape", t => t[name] = new(t[name].Shape.Select(d => d - 1).ToArray(), t[name].Floats![1..], null));
        AssertFormatError(broken, $"scale tensor '{name}' is [127]; int8 tensor 'transformer.resblocks.0.mlp.c_fc.weight' needs [128]");
    }

    [Fact]
    public void NaNScales_AreRejected()
    {
        using var temp = new TempFolder();
        string folder = ReducedPrecisionFolders.Convert(temp, "vit_tiny", SafeTensorsDType.I8);
        const string name = "visual.transformer.resblocks.1.attn.in_proj_weight_scale";
        string broken = ReducedPrecisionFolders.Rewrite(temp, folder, "nan", t => t[name].Floats![5] = float.NaN);
        AssertFormatError(broken, $"scale tensor '{name}' holds NaN for output channel 5");
    }

    [Fact]
    public void Int8InTheHuggingFaceLayout_IsRefused()
    {
        using var temp = new TempFolder();
        ClipCheckpoint checkpoint = ModelFolder.Load(ReducedPrecisionFolders.Original("vit_tiny"), ClipSharp.Testing.Fixtures.TinyVocab);
        var e = Assert.Throws<ArgumentException>(() => ModelConverter.Convert(checkpoint, temp.File("hf"), ModelLayout.Hf, SafeTensorsDType.I8));
        Assert.Contains("OpenAI layout only", e.Message);
    }

    // Both loaders (eager for training, deferred for inference) refuse the folder with the same reason.
    private static void AssertFormatError(string folder, string expected)
    {
        var eager = Assert.Throws<ModelLoadException>(() => ModelFolder.Load(folder));
        Assert.IsType<CheckpointFormatException>(eager.InnerException);
        Assert.Contains(expected, eager.Message);
        var deferred = Assert.Throws<ModelLoadException>(() => Clip.Load(folder, null, TestContext.Current.CancellationToken));
        Assert.Contains(expected, deferred.Message);
    }
}

using ClipSharp.Checkpoints;
using ClipSharp.Tensors;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Checkpoints;

public sealed class HfNameMapTests
{
    private static string HfWeights => Fixtures.GoldenPath("hf", "hf", "model.safetensors");

    private static string OpenAiWeights => Fixtures.GoldenPath("hf", "openai", "weights.safetensors");

    [Fact]
    public void HfWeightsBecomeTheOpenAiStateDictBitForBit()
    {
        var hf = GoldenWeights.ReadAll(HfWeights);
        Assert.Equal(78, hf.Count);
        var converted = HfNameMap.HfToOpenAi(hf);
        GoldenWeights.AssertIdentical(GoldenWeights.ReadAll(OpenAiWeights), converted);
    }

    [Fact]
    public void OpenAiToHfAndBackIsLossless()
    {
        var openAi = GoldenWeights.ReadAll(OpenAiWeights);
        var hf = HfNameMap.OpenAiToHf(openAi);
        GoldenWeights.AssertIdentical(GoldenWeights.ReadAll(HfWeights), hf);
        GoldenWeights.AssertIdentical(openAi, HfNameMap.HfToOpenAi(hf));
    }

    [Theory]
    [InlineData("text_model.encoder.layers.11.self_attn.k_proj.weight", "transformer.resblocks.11.attn.in_proj_weight", HfTensorRole.Key)]
    [InlineData("vision_model.encoder.layers.3.self_attn.v_proj.bias", "visual.transformer.resblocks.3.attn.in_proj_bias", HfTensorRole.Value)]
    [InlineData("vision_model.encoder.layers.0.layer_norm2.bias", "visual.transformer.resblocks.0.ln_2.bias", HfTensorRole.Same)]
    [InlineData("text_model.encoder.layers.2.mlp.fc2.weight", "transformer.resblocks.2.mlp.c_proj.weight", HfTensorRole.Same)]
    [InlineData("vision_model.pre_layrnorm.weight", "visual.ln_pre.weight", HfTensorRole.Same)]
    [InlineData("visual_projection.weight", "visual.proj", HfTensorRole.Transposed)]
    [InlineData("vision_model.embeddings.class_embedding", "visual.class_embedding", HfTensorRole.Same)]
    public void MapsSingleNamesBothWays(string hfName, string openAiName, HfTensorRole role)
    {
        Assert.Equal(new HfTensorTarget(openAiName, role), HfNameMap.ToOpenAi(hfName));
        Assert.Contains((hfName, role), HfNameMap.ToHf(openAiName));
    }

    [Fact]
    public void IgnoresPositionIdsAndRejectsUnknownNames()
    {
        Assert.Null(HfNameMap.ToOpenAi("text_model.embeddings.position_ids"));
        Assert.Null(HfNameMap.ToOpenAi("vision_model.embeddings.position_ids"));
        var e = Assert.Throws<CheckpointFormatException>(() => HfNameMap.ToOpenAi("text_model.encoder.layers.0.self_attn.x_proj.weight"));
        Assert.Contains("x_proj", e.Message);
        Assert.Throws<CheckpointFormatException>(() => HfNameMap.ToOpenAi("vision_model.encoder.layers.01.mlp.fc1.weight"));
        Assert.Throws<CheckpointFormatException>(() => HfNameMap.ToHf("visual.layer1.0.conv1.weight"));
    }

    [Fact]
    public void MissingOrMismatchedQkvPartsAreErrors()
    {
        var parts = new Dictionary<string, Tensor>
        {
            ["text_model.encoder.layers.0.self_attn.q_proj.weight"] = Tensor.Zeros(4, 4),
            ["text_model.encoder.layers.0.self_attn.k_proj.weight"] = Tensor.Zeros(4, 4),
        };
        var e = Assert.Throws<CheckpointFormatException>(() => HfNameMap.HfToOpenAi(parts));
        Assert.Contains("v_proj.weight is missing", e.Message);
        parts["text_model.encoder.layers.0.self_attn.v_proj.weight"] = Tensor.Zeros(4, 3);
        Assert.Contains("one equal shape", Assert.Throws<CheckpointFormatException>(() => HfNameMap.HfToOpenAi(parts)).Message);
    }

    [Fact]
    public void ConcatenatesQkvInOrderAndTransposesProjections()
    {
        var hf = new Dictionary<string, Tensor>
        {
            ["text_model.encoder.layers.0.self_attn.q_proj.bias"] = Tensor.FromArray([1, 2], 2),
            ["text_model.encoder.layers.0.self_attn.k_proj.bias"] = Tensor.FromArray([3, 4], 2),
            ["text_model.encoder.layers.0.self_attn.v_proj.bias"] = Tensor.FromArray([5, 6], 2),
            ["text_projection.weight"] = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3),
        };
        var openAi = HfNameMap.HfToOpenAi(hf);
        Assert.Equal([1f, 2, 3, 4, 5, 6], openAi["transformer.resblocks.0.attn.in_proj_bias"].ToArray());
        Assert.Equal([3, 2], openAi["text_projection"].Shape.ToArray());
        Assert.Equal([1f, 4, 2, 5, 3, 6], openAi["text_projection"].ToArray());
    }
}

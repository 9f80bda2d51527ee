using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

public sealed class HfClipConfigTests
{
    private static readonly ClipConfig s_golden = new(32, 32, [2], 64, 8, 77, 49408, 32, 2, 2) { VisionHeads = 1 };

    [Fact]
    public void ParsesTheGoldenConfig()
        => Assert.Equal(s_golden, HfClipConfig.ParseFile(Fixtures.GoldenPath("hf", "hf", "config.json")));

    [Fact]
    public void MissingFieldsTakeTransformersDefaults()
    {
        var c = HfClipConfig.Parse("""{"model_type": "clip"}""", "test");
        Assert.Equal(new ClipConfig(512, 224, [12], 768, 32, 77, 49408, 512, 8, 12) { VisionHeads = 12 }, c);
        Assert.Equal(ActivationKind.QuickGelu, c.Activation);
    }

    [Fact]
    public void GeluIsRecognised()
    {
        var c = HfClipConfig.Parse("""{"model_type":"clip","text_config":{"hidden_act":"gelu"},"vision_config":{"hidden_act":"gelu"}}""", "test");
        Assert.Equal(ActivationKind.Gelu, c.Activation);
    }

    [Theory]
    [InlineData("""{"model_type":"siglip"}""", "model_type is 'siglip'")]
    [InlineData("""{"projection_dim":32}""", "model_type is missing")]
    [InlineData("""{"model_type":"clip","text_config":{"hidden_size":32,"intermediate_size":100}}""", "text_config.intermediate_size")]
    [InlineData("""{"model_type":"clip","vision_config":{"layer_norm_eps":1e-6}}""", "vision_config.layer_norm_eps")]
    [InlineData("""{"model_type":"clip","vision_config":{"hidden_act":"relu"}}""", "vision_config.hidden_act 'relu'")]
    [InlineData("""{"model_type":"clip","vision_config":{"hidden_act":"gelu"}}""", "differ")]
    [InlineData("""{"model_type":"clip","text_config":{"num_attention_heads":5}}""", "text_config.num_attention_heads 5")]
    [InlineData("""{"model_type":"clip","vision_config":{"image_size":100}}""", "patch_size")]
    [InlineData("""{"model_type":"clip","text_config":{"vocab_size":"big"}}""", "text_config.vocab_size")]
    [InlineData("""{"model_type":"clip",""", "not valid JSON")]
    public void InvalidConfigsNameTheField(string json, string expected)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => HfClipConfig.Parse(json, "cfg.json"));
        Assert.Contains("cfg.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void WritesAConfigThatReadsBackEqual()
    {
        using var dir = new TempFolder();
        var gelu = s_golden with { Activation = ActivationKind.Gelu };
        foreach (ClipConfig c in new[] { s_golden, gelu })
        {
            string path = dir.File($"{c.Activation}.json");
            HfClipConfig.WriteFile(path, c);
            Assert.Equal(c, HfClipConfig.ParseFile(path));
        }

        var resnet = new ClipConfig(32, 64, [1, 1, 1, 1], 8, null, 16, 1000, 32, 4, 2);
        Assert.Throws<ArgumentException>(() => HfClipConfig.ToJson(resnet));
    }
}

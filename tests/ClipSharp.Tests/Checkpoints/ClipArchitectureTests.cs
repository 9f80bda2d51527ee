using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Checkpoints;

public sealed class ClipArchitectureTests
{
    public static TheoryData<string, string> GoldenModels => new()
    {
        { "model/vit_tiny", "weights.safetensors" },
        { "model/rn_tiny", "weights.safetensors" },
        { "hf/openai", "weights.safetensors" },
    };

    /// <summary>The model's constructor arguments as its config.json states them.</summary>
    private static ClipConfig Expected(string folder)
    {
        string json = File.ReadAllText(Fixtures.GoldenPath([.. folder.Split('/'), "config.json"]));
        var hints = ClipArchitecture.HintsFromConfigJson(json, folder);
        int I(string k) => int.Parse(hints[k], System.Globalization.CultureInfo.InvariantCulture);
        bool vit = hints["vision_patch_size"] != "null";
        int[] layers = vit ? [I("vision_layers")] : hints["vision_layers"].Trim('[', ']', ' ', '\n').Split(',').Select(s => int.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new ClipConfig(I("embed_dim"), I("image_resolution"), layers, I("vision_width"), vit ? I("vision_patch_size") : null,
            I("context_length"), I("vocab_size"), I("transformer_width"), I("transformer_heads"), I("transformer_layers"))
        {
            VisionHeads = I("vision_heads"),
        };
    }

    [Theory]
    [MemberData(nameof(GoldenModels))]
    public void InfersTheConstructorArgumentsFromShapesAndMetadata(string folder, string file)
    {
        string path = Fixtures.GoldenPath([.. folder.Split('/'), file]);
        var config = ClipArchitecture.Infer(GoldenWeights.Shapes(path), GoldenWeights.Metadata(path), path);
        Assert.Equal(Expected(folder), config);
    }

    [Theory]
    [MemberData(nameof(GoldenModels))]
    public void ShapesAloneGiveEverythingButTheHeads(string folder, string file)
    {
        string path = Fixtures.GoldenPath([.. folder.Split('/'), file]);
        ClipConfig expected = Expected(folder);
        var hints = new Dictionary<string, string>
        {
            ["transformer_heads"] = expected.TransformerHeads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["vision_heads"] = expected.VisionHeads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.Equal(expected, ClipArchitecture.Infer(GoldenWeights.Shapes(path), hints, path));

        // Without them the reference's width / 64 gives 0 heads for a 32-wide text transformer: an error, not a wrong model.
        var e = Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(GoldenWeights.Shapes(path), null, path));
        Assert.Contains("transformer_heads", e.Message);
    }

    [Fact]
    public void WidthOver64IsTheReferenceDefault()
    {
        var config = new ClipConfig(512, 224, [12], 768, 32, 77, 49408, 512, 8, 12);
        var shapes = ClipStateDictLayout.ExpectedShapes(config);
        Assert.Equal(config, ClipArchitecture.Infer(shapes, null, "vit-b-32"));

        var resnet = new ClipConfig(1024, 224, [3, 4, 6, 3], 64, null, 77, 49408, 512, 8, 12);
        Assert.Equal(resnet, ClipArchitecture.Infer(ClipStateDictLayout.ExpectedShapes(resnet), null, "rn50"));
        Assert.Equal(32, resnet.VisionHeads);
    }

    [Fact]
    public void HintsThatContradictTheShapesAreErrors()
    {
        string path = Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors");
        var hints = GoldenWeights.Metadata(path);
        hints["vision_width"] = "64";
        var e = Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(GoldenWeights.Shapes(path), hints, path));
        Assert.Contains("vision_width = 64", e.Message);
        Assert.Contains("128", e.Message);

        hints = GoldenWeights.Metadata(path);
        hints["transformer_heads"] = "3";
        Assert.Contains("transformer_heads = 3", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(GoldenWeights.Shapes(path), hints, path)).Message);

        hints = GoldenWeights.Metadata(path);
        hints["vision_layers"] = "two";
        Assert.Contains("vision_layers", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(GoldenWeights.Shapes(path), hints, path)).Message);
    }

    [Fact]
    public void MissingOrInconsistentTensorsAreErrors()
    {
        string path = Fixtures.GoldenPath("model", "rn_tiny", "weights.safetensors");
        var hints = GoldenWeights.Metadata(path);

        var shapes = GoldenWeights.Shapes(path);
        shapes.Remove("token_embedding.weight");
        Assert.Contains("no 'token_embedding.weight'", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(shapes, hints, path)).Message);

        shapes = GoldenWeights.Shapes(path);
        shapes.Remove("visual.layer3.0.bn2.running_var");
        Assert.Contains("missing 'visual.layer3.0.bn2.running_var'", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(shapes, hints, path)).Message);

        shapes = GoldenWeights.Shapes(path);
        shapes["visual.attnpool.positional_embedding"] = [6, 256];
        Assert.Contains("square grid", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(shapes, hints, path)).Message);

        shapes = GoldenWeights.Shapes(path);
        shapes["transformer.resblocks.1.mlp.c_fc.weight"] = [100, 32];
        Assert.Contains("'transformer.resblocks.1.mlp.c_fc.weight' is [100, 32]", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(shapes, hints, path)).Message);

        shapes = GoldenWeights.Shapes(path);
        shapes["extra.weight"] = [1];
        Assert.Contains("unexpected 'extra.weight'", Assert.Throws<CheckpointFormatException>(() => ClipArchitecture.Infer(shapes, hints, path)).Message);
    }

    [Fact]
    public void HintsRoundTripThroughStrings()
    {
        foreach (string folder in new[] { "model/vit_tiny", "model/rn_tiny" })
        {
            ClipConfig c = Expected(folder);
            Assert.Equal(c, ClipArchitecture.Infer(ClipStateDictLayout.ExpectedShapes(c), ClipArchitecture.ToHints(c), folder));
        }
    }
}

using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

public sealed class ModelFolderTests
{
    private static readonly ClipConfig s_hfGolden = new(32, 32, [2], 64, 8, 77, 49408, 32, 2, 2) { VisionHeads = 1 };

    private static string HfVocabFolder() => Path.GetDirectoryName(Fixtures.RequireVocab(Fixtures.HfVocabJson))!;

    [Fact]
    public void HfAndOpenAiFoldersGiveTheSameModel()
    {
        string hfVocab = HfVocabFolder();
        string gz = Fixtures.RequireVocab(Fixtures.OpenAiMerges);
        ClipCheckpoint hf = ModelFolder.Load(Fixtures.GoldenPath("hf", "hf"), hfVocab);
        ClipCheckpoint openAi = ModelFolder.Load(Fixtures.GoldenPath("hf", "openai"), gz);

        Assert.Equal(ModelLayout.Hf, hf.Layout);
        Assert.Equal(ModelLayout.OpenAi, openAi.Layout);
        Assert.Equal(s_hfGolden, hf.Config);
        Assert.Equal(hf.Config, openAi.Config);
        Assert.Equal(62, hf.StateDict.Count);
        GoldenWeights.AssertIdentical(openAi.StateDict, hf.StateDict);
        Assert.All(hf.SourceDTypes.Values, d => Assert.Equal(SafeTensorsDType.F16, d));
        Assert.Equal(hf.StateDict.Keys.Order(), hf.SourceDTypes.Keys.Order());

        Assert.Equal(TokenizerFiles.Hf(Path.Combine(hfVocab, "vocab.json"), Path.Combine(hfVocab, "merges.txt")), hf.Tokenizer);
        Assert.Equal(TokenizerFiles.OpenAi(gz), openAi.Tokenizer);
        Assert.Equal(PreprocessSettings.ForResolution(32), hf.Preprocess);
        Assert.Equal(PreprocessSettings.ForResolution(32), openAi.Preprocess);
        Assert.Equal(Fixtures.GoldenPath("hf", "hf", "model.safetensors"), hf.WeightsPath);
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void GoldenModelFoldersLoadWithTheirConstructorArguments(string name)
    {
        string gz = Fixtures.TinyVocab;
        string folder = Fixtures.GoldenPath("model", name);

        // The folder also holds inputs/outputs safetensors; only weights.safetensors holds CLIP tensors.
        ClipCheckpoint model = ModelFolder.Load(folder, gz);
        string weights = Path.Combine(folder, "weights.safetensors");
        Assert.Equal(weights, model.WeightsPath);
        Assert.Equal(ClipArchitecture.Infer(GoldenWeights.Shapes(weights), GoldenWeights.Metadata(weights), weights), model.Config);
        GoldenWeights.AssertIdentical(GoldenWeights.ReadAll(weights), model.StateDict);
        Assert.DoesNotContain(model.StateDict.Keys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        if (name == "rn_tiny")
        {
            Assert.Contains("visual.bn1.running_var", model.StateDict.Keys);
            Assert.Equal(new[] { 1, 1, 1, 1 }, model.Config.VisionLayers);
            Assert.Equal(4, model.Config.TransformerHeads);
        }

        // Loading the file itself gives the same.
        ClipCheckpoint single = ModelFolder.Load(weights, gz);
        Assert.Equal(model.Config, single.Config);
    }

    [Fact]
    public void HfFolderWithItsOwnVocabAndPreprocessorSettings()
    {
        string hfVocab = HfVocabFolder();
        using var dir = new TempFolder();
        foreach (string f in new[] { "config.json", "model.safetensors" })
        {
            File.Copy(Fixtures.GoldenPath("hf", "hf", f), dir.File(f));
        }

        File.Copy(Path.Combine(hfVocab, "vocab.json"), dir.File("vocab.json"));
        File.Copy(Path.Combine(hfVocab, "merges.txt"), dir.File("merges.txt"));
        File.WriteAllText(dir.File("preprocessor_config.json"), """
            {"size": {"shortest_edge": 36}, "crop_size": {"height": 32, "width": 32}, "do_center_crop": true,
             "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.5, 1.0]}
            """);
        ClipCheckpoint model = ModelFolder.Load(dir.Path);
        Assert.Equal(TokenizerFileKind.HfVocabMerges, model.Tokenizer.Kind);
        Assert.Equal(dir.File("vocab.json"), model.Tokenizer.VocabJsonPath);
        Assert.Equal(new PreprocessSettings(36, 32, [0.5f, 0.5f, 0.5f], [0.25f, 0.5f, 1f]), model.Preprocess);
    }

    [Fact]
    public void ModulePrefixedOpenAiNamesAreAccepted()
    {
        string gz = Fixtures.TinyVocab;
        string golden = Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors");
        var weights = GoldenWeights.ReadAll(golden);
        using var dir = new TempFolder();
        var writer = new SafeTensorsWriter();
        foreach (var (k, v) in GoldenWeights.Metadata(golden))
        {
            writer.AddMetadata(k, v);
        }

        foreach (var (name, t) in weights)
        {
            writer.Add("module." + name, t);
        }

        writer.Save(dir.File("ddp.safetensors"));
        ClipCheckpoint model = ModelFolder.Load(dir.Path, gz);
        GoldenWeights.AssertIdentical(weights, model.StateDict);
    }

    [Fact]
    public void NamesThatCollideWithoutTheModulePrefixAreAnError()
    {
        using var dir = new TempFolder();
        new SafeTensorsWriter()
            .Add("module.token_embedding.weight", Tensor.Zeros(4, 2))
            .Add("token_embedding.weight", Tensor.Zeros(4, 2))
            .Save(dir.File("w.safetensors"));
        AssertLoadError(dir.File("w.safetensors"), null, "the same tensor once the 'module.' prefix is removed");
    }

    [Fact]
    public void HfRoundTripThroughTheWriterIsLossless()
    {
        string hfVocab = HfVocabFolder();
        ClipCheckpoint hf = ModelFolder.Load(Fixtures.GoldenPath("hf", "hf"), hfVocab);
        using var dir = new TempFolder();

        // OpenAI -> HF names, written as F16 like the original: the same bytes as the golden HF file.
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt");
        foreach (var (name, t) in HfNameMap.OpenAiToHf(hf.StateDict))
        {
            writer.Add(name, t, SafeTensorsDType.F16);
        }

        writer.Save(dir.File("model.safetensors"));
        Assert.Equal(File.ReadAllBytes(Fixtures.GoldenPath("hf", "hf", "model.safetensors")), File.ReadAllBytes(dir.File("model.safetensors")));

        HfClipConfig.WriteFile(dir.File("config.json"), hf.Config);
        ClipCheckpoint again = ModelFolder.Load(dir.Path, hfVocab);
        Assert.Equal(hf.Config, again.Config);
        GoldenWeights.AssertIdentical(hf.StateDict, again.StateDict);
    }

    [Fact]
    public void WrongFoldersGiveOneClearError()
    {
        using var dir = new TempFolder();
        string gz = Fixtures.TinyVocab;

        AssertLoadError(dir.Path, null, "no weights");
        AssertLoadError(dir.File("nothing"), null, "no such file or folder");

        // Only non-model safetensors.
        File.Copy(Fixtures.GoldenPath("model", "vit_tiny", "inputs.safetensors"), dir.File("inputs.safetensors"));
        AssertLoadError(dir.Path, null, "none of inputs.safetensors holds CLIP tensors");

        // Weights but no tokenizer.
        File.Copy(Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors"), dir.File("a.safetensors"));
        AssertLoadError(dir.Path, null, "no tokenizer files");
        File.WriteAllText(dir.File("vocab.json"), "{}");
        AssertLoadError(dir.Path, null, "merges.txt is missing");
        AssertLoadError(dir.Path, dir.File("missing.gz"), "does not exist");
        AssertLoadError(dir.Path, dir.File("vocab.json"), "no merges.txt next to it");
        Assert.Equal(ModelLayout.OpenAi, ModelFolder.Load(dir.Path, gz).Layout);

        // Two model files.
        File.Copy(Fixtures.GoldenPath("model", "rn_tiny", "weights.safetensors"), dir.File("b.safetensors"));
        AssertLoadError(dir.Path, gz, "several candidate weight files (a.safetensors, b.safetensors)");

        // HF config without model.safetensors; then an unsupported model type.
        using var hf = new TempFolder();
        File.Copy(Fixtures.GoldenPath("hf", "hf", "config.json"), hf.File("config.json"));
        AssertLoadError(hf.Path, gz, "without model.safetensors");
        File.Copy(Fixtures.GoldenPath("hf", "hf", "model.safetensors"), hf.File("model.safetensors"));
        File.WriteAllText(hf.File("config.json"), """{"model_type": "siglip"}""");
        AssertLoadError(hf.Path, gz, "only Hugging Face 'clip'");

        // A config that does not fit the weights.
        File.WriteAllText(hf.File("config.json"), """{"model_type": "clip", "projection_dim": 32, "text_config": {"hidden_size": 32, "intermediate_size": 128, "num_attention_heads": 2, "num_hidden_layers": 3}, "vision_config": {"hidden_size": 64, "intermediate_size": 256, "num_attention_heads": 1, "num_hidden_layers": 2, "image_size": 32, "patch_size": 8}}""");
        AssertLoadError(hf.Path, gz, "missing 'transformer.resblocks.2.attn.in_proj_weight'");

        // HF names without a config.
        File.Delete(hf.File("config.json"));
        AssertLoadError(hf.File("model.safetensors"), gz, "config.json with model_type 'clip' is missing");

        // A corrupt weights file is reported as a load error with the format problem inside.
        using var bad = new TempFolder();
        File.WriteAllBytes(bad.File("x.safetensors"), [1, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        var e = AssertLoadError(bad.File("x.safetensors"), gz, "not valid JSON");
        Assert.IsType<CheckpointFormatException>(e.InnerException);
    }

    [Fact]
    public void OpenAiNamesWithShapesThatContradictTheConfigAreRejected()
    {
        string gz = Fixtures.TinyVocab;
        using var dir = new TempFolder();
        string golden = Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors");
        var writer = new SafeTensorsWriter();
        foreach (var (k, v) in GoldenWeights.Metadata(golden))
        {
            writer.AddMetadata(k, v);
        }

        foreach (var (name, t) in GoldenWeights.ReadAll(golden))
        {
            writer.Add(name, name == "visual.ln_post.bias" ? Tensor.Zeros(64) : t);
        }

        writer.Save(dir.File("w.safetensors"));
        AssertLoadError(dir.Path, gz, "'visual.ln_post.bias' is [64] where the architecture needs [128]");
    }

    private static ModelLoadException AssertLoadError(string path, string? vocab, string expected)
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelFolder.Load(path, vocab));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"'{e.Message}' should mention '{expected}'.");
        Assert.True(e.Message.Contains(Path.GetFileName(path.TrimEnd('/')), StringComparison.Ordinal) || e.Message.Contains(path, StringComparison.Ordinal),
            $"'{e.Message}' should name the path.");
        return e;
    }
}

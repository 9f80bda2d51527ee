using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSharp.Checkpoints;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary><c>clip convert</c>: HF folders that match the golden HF fixture, lossless round trips, atomic output.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-convert-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OpenAiFolderConvertsToTheGoldenHfFolder()
    {
        string gz = Fixtures.RequireVocab(Fixtures.OpenAiMerges);
        string hf = Path.Combine(_dir, "hf");
        CliResult r = CliRunner.Run("convert", Fixtures.GoldenPath("hf", "openai"), hf, "--layout", "hf", "--dtype", "f16", "--vocab", gz);
        Assert.True(r.ExitCode == 0, r.Stderr);

        Assert.Equal(
            ["config.json", "merges.txt", "model.safetensors", "preprocessor_config.json", "vocab.json"],
            Directory.GetFiles(hf).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using (var golden = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "hf", "model.safetensors")))
        using (var written = SafeTensorsFile.Open(Path.Combine(hf, "model.safetensors")))
        {
            Assert.Equal(golden.Names.Order(StringComparer.Ordinal), written.Names.Order(StringComparer.Ordinal));
            foreach (string name in golden.Names)
            {
                Assert.Equal(golden.Info(name).Shape, written.Info(name).Shape);
                Assert.Equal(golden.Info(name).DType, written.Info(name).DType);
                Assert.True(golden.RawBytes(name).SequenceEqual(written.RawBytes(name)), $"{name}: bytes differ");
            }
        }

        Assert.Equal(
            HfClipConfig.ParseFile(Fixtures.GoldenPath("hf", "hf", "config.json")),
            HfClipConfig.ParseFile(Path.Combine(hf, "config.json")));
        AssertSameJson(Fixtures.GoldenPath("hf", "hf", "preprocessor_config.json"), Path.Combine(hf, "preprocessor_config.json"));
        AssertSameJson(Fixtures.RequireVocab(Fixtures.HfVocabJson), Path.Combine(hf, "vocab.json"));
        Assert.Equal(File.ReadAllLines(Fixtures.RequireVocab(Fixtures.HfMergesTxt)), File.ReadAllLines(Path.Combine(hf, "merges.txt")));
    }

    [Fact]
    public void OpenAiToHfToOpenAiGivesIdenticalTensors()
    {
        string gz = Fixtures.RequireVocab(Fixtures.OpenAiMerges);
        string hf = Path.Combine(_dir, "hf"), back = Path.Combine(_dir, "openai");
        Assert.Equal(0, CliRunner.Run("convert", Fixtures.GoldenPath("hf", "openai"), hf, "--dtype", "f16", "--vocab", gz).ExitCode);
        CliResult r = CliRunner.Run("convert", hf, back, "--layout", "openai", "--dtype", "f16");
        Assert.True(r.ExitCode == 0, r.Stderr);

        using var original = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "openai", "weights.safetensors"));
        using var roundTrip = SafeTensorsFile.Open(Path.Combine(back, "weights.safetensors"));
        Assert.Equal(original.Names.Order(StringComparer.Ordinal), roundTrip.Names.Order(StringComparer.Ordinal));
        foreach (string name in original.Names)
        {
            Assert.Equal(original.Info(name).Shape, roundTrip.Info(name).Shape);
            Assert.True(original.RawBytes(name).SequenceEqual(roundTrip.RawBytes(name)), $"{name}: bytes differ");
        }

        Assert.Equal("2", roundTrip.Metadata["transformer_heads"]);
    }

    [Fact]
    public void Int8_WritesTheOpenAiLayout_AndInfoShowsIt()
    {
        string int8 = Path.Combine(_dir, "int8");
        CliResult r = CliRunner.Run("convert", Fixtures.TinyModel, int8, "--dtype", "int8", "--vocab", Fixtures.TinyVocab);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using (var file = SafeTensorsFile.Open(Path.Combine(int8, "weights.safetensors")))
        {
            Assert.Equal("int8", file.Metadata["dtype"]);
            Assert.Equal(SafeTensorsDType.I8, file.Info("visual.transformer.resblocks.0.mlp.c_fc.weight").DType);
            Assert.Equal([512], file.Info("visual.transformer.resblocks.0.mlp.c_fc.weight_scale").Shape);
        }

        CliResult info = CliRunner.Run("info", "--model", int8, "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
        using JsonDocument facts = JsonDocument.Parse(info.Stdout);
        Assert.StartsWith("int8", facts.RootElement.GetProperty("weights precision").GetString());
        Assert.Contains("I8 x", facts.RootElement.GetProperty("stored dtypes").GetString());

        CliResult hf = CliRunner.Run("convert", Fixtures.TinyModel, Path.Combine(_dir, "hf"), "--dtype", "int8", "--layout", "hf", "--vocab", Fixtures.TinyVocab);
        Assert.NotEqual(0, hf.ExitCode);
        Assert.Contains("--layout openai", hf.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "hf")));
    }

    [Fact]
    public void TorchScriptFileConvertsToBothLayoutsLosslessly()
    {
        string source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(source);
        File.Copy(Fixtures.GoldenPath("torch_pt", "torchscript_fp16.pt"), Path.Combine(source, "model.pt"));
        File.Copy(Fixtures.GoldenPath("model", "vit_tiny", "config.json"), Path.Combine(source, "config.json"));
        string hf = Path.Combine(_dir, "hf"), openAi = Path.Combine(_dir, "openai");

        Assert.Equal(0, CliRunner.Run("convert", Path.Combine(source, "model.pt"), hf, "--vocab", Fixtures.TinyVocab).ExitCode);
        Assert.Equal(0, CliRunner.Run("convert", Path.Combine(source, "model.pt"), openAi, "--layout", "openai", "--vocab", Fixtures.TinyVocab).ExitCode);

        ClipCheckpoint pt = ModelFolder.Load(Path.Combine(source, "model.pt"), Fixtures.TinyVocab);
        foreach (string folder in (string[])[hf, openAi])
        {
            ClipCheckpoint converted = ModelFolder.Load(folder);
            Assert.Equal(pt.Config, converted.Config);
            Assert.Equal(pt.StateDict.Keys.Order(StringComparer.Ordinal), converted.StateDict.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, tensor) in pt.StateDict)
            {
                Assert.True(tensor.Span.SequenceEqual(converted.StateDict[name].Span), $"{folder}: {name} differs");
            }
        }

        CliResult info = CliRunner.Run("info", "--model", Path.Combine(source, "model.pt"), "--vocab", Fixtures.TinyVocab, "--json");
        Assert.Equal("TorchScript archive (torch.jit.save)", JsonDocument.Parse(info.Stdout).RootElement.GetProperty("format").GetString());
    }

    [Fact]
    public void ExistingOutputIsRefusedUnlessForced()
    {
        string hf = Path.Combine(_dir, "hf");
        Directory.CreateDirectory(hf);
        File.WriteAllText(Path.Combine(hf, "keep.txt"), "x");
        string[] args = ["convert", Fixtures.TinyModel, hf, "--layout", "openai", "--vocab", Fixtures.TinyVocab];

        CliResult refused = CliRunner.Run(args);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("already exists; pass --force", refused.Stderr, StringComparison.Ordinal);
        refused.AssertNoStackTrace();
        Assert.True(File.Exists(Path.Combine(hf, "keep.txt")));

        Assert.Equal(0, CliRunner.Run([.. args, "--force"]).ExitCode);
        Assert.False(File.Exists(Path.Combine(hf, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(hf, "weights.safetensors")));
        Assert.Equal([hf], Directory.GetFileSystemEntries(_dir));
    }

    private static void AssertSameJson(string expected, string actual)
        => Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(expected)), JsonNode.Parse(File.ReadAllText(actual))),
            $"{actual} differs from {expected}");
}

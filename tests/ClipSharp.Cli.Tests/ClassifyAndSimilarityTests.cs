using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class ClassifyAndSimilarityTests
{
    [Fact]
    public void ClassifyPrintsTopKLabelsWithProbabilitiesAsJson()
    {
        CliResult r = CliRunner.Run(
            ["classify", .. CliRunner.TinyModelArgs(), "--labels", "cat, dog ,car", "-k", "2", "--json", CliRunner.Image("square_224x224.png"), CliRunner.Image("rgba_256x192.png")]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(2, r.StdoutLines.Length);
        foreach (string line in r.StdoutLines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement[] labels = [.. doc.RootElement.GetProperty("labels").EnumerateArray()];
            Assert.Equal(2, labels.Length);
            Assert.All(labels, l => Assert.Contains(l.GetProperty("label").GetString(), new[] { "cat", "dog", "car" }));
            Assert.True(labels[0].GetProperty("probability").GetSingle() >= labels[1].GetProperty("probability").GetSingle());
        }
    }

    [Fact]
    public void ClassifyReadsLabelsAndTemplatesFiles()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-classify-").FullName;
        try
        {
            string labels = Path.Combine(folder, "labels.txt");
            string templates = Path.Combine(folder, "templates.txt");
            File.WriteAllLines(labels, ["# animals", "cat", "dog", ""]);
            File.WriteAllLines(templates, ["a photo of a {}.", "itap of a {}."]);
            CliResult r = CliRunner.Run(
                ["classify", .. CliRunner.TinyModelArgs(), "--labels-file", labels, "--templates", templates, "--json", CliRunner.Image("gray_333x250.png")]);
            Assert.Equal(0, r.ExitCode);
            using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
            Assert.Equal(1.0, doc.RootElement.GetProperty("labels").EnumerateArray().Sum(l => l.GetProperty("probability").GetDouble()), 4);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ClassifyNeedsExactlyOneLabelSource()
    {
        CliResult r = CliRunner.Run("classify", "--model", "/x", "--labels", "a", "--labels-file", "b", CliRunner.Image("square_224x224.png"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("exactly one of --labels", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }

    [Fact]
    public void ClassifyTablesGoToStderr()
    {
        CliResult r = CliRunner.Run(["classify", .. CliRunner.TinyModelArgs(), "--labels", "cat,dog", CliRunner.Image("square_224x224.png")]);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Contains("probability", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("cat", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SimilarityGivesCosinesAndPerImageProbabilities()
    {
        CliResult r = CliRunner.Run(
            ["similarity", .. CliRunner.TinyModelArgs(), "-i", CliRunner.Image("square_224x224.png"), "-i", CliRunner.Image("tall_300x800.png"), "-t", "a cat", "-t", "a dog", "-t", "a tree", "--json"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(2, r.StdoutLines.Length);
        foreach (string line in r.StdoutLines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement[] texts = [.. doc.RootElement.GetProperty("texts").EnumerateArray()];
            Assert.Equal(3, texts.Length);
            Assert.All(texts, t => Assert.InRange(t.GetProperty("cosine").GetDouble(), -1.0001, 1.0001));
            Assert.Equal(1.0, texts.Sum(t => t.GetProperty("probability").GetDouble()), 4);
        }
    }
}

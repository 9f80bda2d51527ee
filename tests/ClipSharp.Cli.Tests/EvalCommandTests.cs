using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-cli-eval-");

    public EvalCommandTests()
    {
        Data = Path.Combine(_temp.FullName, "data");
        Assert.Equal(0, CliRunner.Run("data", "synth", "--out", Data, "--count", "32", "--eval-per-class", "2").ExitCode);
        Model = Path.Combine(_temp.FullName, "run");
        CliResult train = CliRunner.Run(
            "train", "--data", Path.Combine(Data, "train.csv"), "--out", Model, "--embed-dim", "32", "--patch-size", "16",
            "--vision-width", "64", "--vision-layers", "1", "--text-width", "64", "--text-layers", "1", "--context-length", "12",
            "--batch", "16", "--steps", "2", "--workers", "1");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Model = JsonDocument.Parse(train.StdoutLines[^1]).RootElement.GetProperty("checkpoint").GetString()!;
    }

    private string Data { get; }

    private string Model { get; }

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void ZeroShotReportsTopOneTopFivePerClassAndAConfusionMatrix()
    {
        string png = Path.Combine(_temp.FullName, "confusion.png");
        CliResult r = CliRunner.Run(
            "eval", "zeroshot", "--model", Model, "--data", Path.Combine(Data, "eval", "color"), "--templates", "single", "--confusion", png, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonElement root = JsonDocument.Parse(Assert.Single(r.StdoutLines)).RootElement;
        Assert.Equal(16, root.GetProperty("images").GetInt32());
        Assert.Equal(8, root.GetProperty("classes").GetInt32());
        Assert.Equal(0.125, root.GetProperty("chance").GetDouble());
        Assert.True(root.GetProperty("top5").GetDouble() >= root.GetProperty("top1").GetDouble());
        Assert.Equal(8, root.GetProperty("per_class").EnumerateObject().Count());
        Assert.True(new FileInfo(png).Length > 100);
    }

    [Fact]
    public void RetrievalReportsRecallInBothDirections()
    {
        CliResult r = CliRunner.Run("eval", "retrieval", "--model", Model, "--pairs", Path.Combine(Data, "val.csv"), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonElement root = JsonDocument.Parse(Assert.Single(r.StdoutLines)).RootElement;
        Assert.Equal(3, root.GetProperty("pairs").GetInt32());
        // With 3 pairs every item is within the top 5 and 10.
        Assert.Equal(1.0, root.GetProperty("image_to_text_r5").GetDouble());
        Assert.Equal(1.0, root.GetProperty("text_to_image_r10").GetDouble());
    }

    [Fact]
    public void LinearProbeFitsOnFrozenFeaturesAndScoresTheHeldOutShare()
    {
        CliResult r = CliRunner.Run("eval", "linear-probe", "--model", Model, "--train", Path.Combine(Data, "eval", "color"), "--test-fraction", "0.5", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonElement root = JsonDocument.Parse(Assert.Single(r.StdoutLines)).RootElement;
        Assert.Equal(8, root.GetProperty("train").GetInt32());
        Assert.Equal(8, root.GetProperty("test").GetInt32());
        Assert.InRange(root.GetProperty("accuracy").GetDouble(), 0, 1);

        CliResult mismatch = CliRunner.Run(
            "eval", "linear-probe", "--model", Model, "--train", Path.Combine(Data, "eval", "color"), "--test", Path.Combine(Data, "eval", "shape"));
        Assert.Equal(ClipCli.ExitError, mismatch.ExitCode);
        Assert.Contains("differ", mismatch.Stderr, StringComparison.Ordinal);
        mismatch.AssertNoStackTrace();
    }

    [Fact]
    public void AFolderWithoutClassesIsAOneLineError()
    {
        CliResult r = CliRunner.Run("eval", "zeroshot", "--model", Model, "--data", Path.Combine(Data, "train"));
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        Assert.Contains("class subfolders", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }
}

using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-cli-demo-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void AShortDemoEndsWithTheJsonSummaryOfEveryAccuracyNextToItsChance()
    {
        string output = Path.Combine(_temp.FullName, "demo");
        CliResult r = CliRunner.Run(
            "demo", "--out", output, "--steps", "4", "--train-count", "64", "--eval-per-class", "2", "--batch", "16",
            "--width", "64", "--layers", "1", "--eval-every", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines[^1]);
        JsonElement root = doc.RootElement;
        var chances = new Dictionary<string, double>
        {
            ["seen_top1"] = 1.0 / 48,
            ["color_top1"] = 1.0 / 8,
            ["shape_top1"] = 1.0 / 6,
            ["unseen_top1_among_unseen"] = 1.0 / 12,
            ["unseen_top1"] = 1.0 / 48,
        };
        foreach (var (name, chance) in chances)
        {
            Assert.InRange(root.GetProperty(name).GetDouble(), 0, 1);
            Assert.Equal(chance, root.GetProperty(name + "_chance").GetDouble(), 3);
        }

        // Where the model looks: the pointing game against a random point, whose chance is the share of the image an
        // object covers.
        Assert.InRange(root.GetProperty("pointing_2_objects").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("pointing_2_objects_chance").GetDouble(), 0.005, 0.2);
        Assert.InRange(root.GetProperty("retrieval_r1").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("retrieval_r1_chance").GetDouble(), 0.001, 0.1);
        Assert.Equal(4, root.GetProperty("steps").GetInt32());
        Assert.True(root.GetProperty("train_seconds").GetDouble() <= root.GetProperty("total_seconds").GetDouble());

        Assert.Contains("held out of training", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("search \"", r.Stderr, StringComparison.Ordinal);
        foreach (string plot in new[] { "loss.png", "lr.png", "eval.png", "confusion.png", "locate.png" })
        {
            Assert.True(File.Exists(Path.Combine(output, "run", "plots", plot)), plot);
        }

        // The trained model is a model folder the other commands load.
        string model = root.GetProperty("model").GetString()!;
        Assert.Equal(0, CliRunner.Run("embed", "--model", model, "--text", "a red circle").ExitCode);
    }

    [Fact]
    public void ABudgetTheRecipeCannotFitStopsBeforeTrainingAndSuggestsSteps()
    {
        // Three seconds cannot hold the recipe's samples on any machine: the demo measures its speed, then stops.
        string output = Path.Combine(_temp.FullName, "slow");
        CliResult r = CliRunner.Run(
            "demo", "--out", output, "--minutes", "0.05", "--train-count", "64", "--eval-per-class", "2", "--batch", "16",
            "--width", "64", "--layers", "1", "--json");
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        Assert.Contains("samples/s", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--steps 3200", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("training a", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(r.StdoutLines);
        Assert.False(Directory.Exists(Path.Combine(output, "run")));
        r.AssertNoStackTrace();
    }

    [Fact]
    public void BadDemoArgumentsAreOneLineErrors()
    {
        CliResult r = CliRunner.Run("demo", "--out", Path.Combine(_temp.FullName, "x"), "--width", "100");
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        Assert.Contains("--width must be a multiple of 64 (got 100)", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }
}

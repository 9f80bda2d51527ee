using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class DataCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-cli-data-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_temp.FullName, name);

    [Fact]
    public void SynthWritesTheDatasetAndDescribesItAsJson()
    {
        string output = PathOf("synth");
        CliResult r = CliRunner.Run("data", "synth", "--out", output, "--count", "30", "--seed", "4", "--size", "56", "--eval-per-class", "1", "--json");

        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(Assert.Single(r.StdoutLines));
        Assert.Equal(30, doc.RootElement.GetProperty("train").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("val").GetInt32());
        Assert.Equal(12, doc.RootElement.GetProperty("eval_unseen").GetInt32());
        Assert.Equal(12, doc.RootElement.GetProperty("held_out").GetArrayLength());
        Assert.Contains("held out of training", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(31, File.ReadAllLines(Path.Combine(output, "train.csv")).Length);
        Assert.Equal(30, Directory.GetFiles(Path.Combine(output, "train"), "*.png").Length);
        Assert.True(File.Exists(Path.Combine(output, "split.json")));

        CliResult again = CliRunner.Run("data", "synth", "--out", output, "--count", "5");
        Assert.Equal(ClipCli.ExitError, again.ExitCode);
        Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);
        again.AssertNoStackTrace();
        Assert.Equal(30, Directory.GetFiles(Path.Combine(output, "train")).Length);

        Assert.Equal(0, CliRunner.Run("data", "synth", "--out", output, "--count", "5", "--eval-per-class", "0", "--force").ExitCode);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(output, "train")).Length);
    }

    [Theory]
    [InlineData("--size", "32")]
    [InlineData("--count", "0")]
    public void SynthRejectsBadArgumentsInOneLine(string option, string value)
    {
        string[] args = option == "--count"
            ? ["data", "synth", "--out", PathOf("bad"), option, value]
            : ["data", "synth", "--out", PathOf("bad"), "--count", "3", option, value];
        CliResult r = CliRunner.Run(args);
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        Assert.Contains(option, r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
        Assert.False(Directory.Exists(PathOf("bad")));
    }

    [Fact]
    public void CheckListsTheSamplesTrainingWouldSkip()
    {
        string output = PathOf("d");
        Assert.Equal(0, CliRunner.Run("data", "synth", "--out", output, "--count", "6", "--eval-per-class", "0").ExitCode);
        File.WriteAllBytes(Path.Combine(output, "train", "000002.png"), [1, 2, 3]);
        File.AppendAllText(Path.Combine(output, "train.csv"), "train/000001.png,\n");

        CliResult r = CliRunner.Run("data", "check", Path.Combine(output, "train.csv"), "--json");

        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(Assert.Single(r.StdoutLines));
        Assert.Equal(7, doc.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(5, doc.RootElement.GetProperty("usable").GetInt32());
        string[] reasons = [.. doc.RootElement.GetProperty("bad").EnumerateArray().Select(b => b.GetProperty("key").GetString() + " " + b.GetProperty("reason").GetString())];
        Assert.Equal(2, reasons.Length);
        Assert.Contains(reasons, x => x.StartsWith("train.csv:4 unreadable image", StringComparison.Ordinal));
        Assert.Contains("train.csv:8 empty caption", reasons);
        Assert.Contains("7 samples, 5 usable, 2 skipped", r.Stderr, StringComparison.Ordinal);
    }
}

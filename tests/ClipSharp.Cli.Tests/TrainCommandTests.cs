using System.Diagnostics;
using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-cli-train-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_temp.FullName, name);

    private string Data()
    {
        string data = PathOf("data");
        if (!Directory.Exists(data))
        {
            Assert.Equal(0, CliRunner.Run("data", "synth", "--out", data, "--count", "64", "--eval-per-class", "1").ExitCode);
        }

        return data;
    }

    // A model small enough that a step takes milliseconds.
    private string[] TinyRun(string output, int steps, string lr = "1e-3", string warmup = "2", string checkpointEvery = "5") =>
    [
        "train", "--data", Path.Combine(Data(), "train.csv"), "--out", output, "--embed-dim", "32", "--patch-size", "16",
        "--vision-width", "64", "--vision-layers", "1", "--text-width", "64", "--text-layers", "1", "--context-length", "12",
        "--batch", "16", "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--lr", lr, "--warmup", warmup,
        "--checkpoint-every", checkpointEvery, "--workers", "1", "--augment",
    ];

    [Fact]
    public void TrainWritesLogPlotsAndLoadableCheckpoints()
    {
        string output = PathOf("run");
        string[] args = [.. TinyRun(output, 6), "--eval-every", "3", "--val", Path.Combine(Data(), "val.csv"), "--val-zeroshot", Path.Combine(Data(), "eval", "color")];
        CliResult r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument summary = JsonDocument.Parse(Assert.Single(r.StdoutLines));
        Assert.Equal(6, summary.RootElement.GetProperty("steps").GetInt32());
        string checkpoint = summary.RootElement.GetProperty("checkpoint").GetString()!;
        Assert.InRange(summary.RootElement.GetProperty("val_zeroshot_top1").GetDouble(), 0, 1);

        string[] log = File.ReadAllLines(Path.Combine(output, "log.jsonl"));
        Assert.Equal(6, log.Count(l => l.Contains("\"type\":\"train\"", StringComparison.Ordinal)));
        Assert.Equal(2, log.Count(l => l.Contains("\"type\":\"eval\"", StringComparison.Ordinal)));
        foreach (string plot in new[] { "loss.png", "lr.png", "eval.png" })
        {
            byte[] png = File.ReadAllBytes(Path.Combine(output, "plots", plot));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }

        // The checkpoint is a model folder: embed and classify load it as it is.
        CliResult embed = CliRunner.Run("embed", "--model", checkpoint, "--text", "a red circle");
        Assert.True(embed.ExitCode == 0, embed.Stderr);
        CliResult classify = CliRunner.Run(
            "classify", "--model", checkpoint, "--labels", "red,blue", "--templates", "single",
            Directory.GetFiles(Path.Combine(Data(), "eval", "color", "red"))[0]);
        Assert.True(classify.ExitCode == 0, classify.Stderr);
    }

    [Fact]
    public void ARunKilledWithSigkillResumesToTheSameLosses()
    {
        const int Steps = 60;
        string straight = PathOf("straight");
        Assert.Equal(0, CliRunner.Run(TinyRun(straight, Steps)).ExitCode);

        // The same run in a child process, killed as soon as its second checkpoint is complete.
        string killed = PathOf("killed");
        string cli = typeof(ClipCli).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (string a in TinyRun(killed, Steps))
        {
            start.ArgumentList.Add(a);
        }

        using (Process child = Process.Start(start)!)
        {
            // Drained so the child never blocks on a full pipe.
            _ = child.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = child.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var watch = Stopwatch.StartNew();
            string second = Path.Combine(killed, "checkpoints", "step-000010");
            while (!Directory.Exists(second) && !child.HasExited && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(5);
            }

            Assert.False(child.HasExited, "the child finished before it could be killed");
            child.Kill(entireProcessTree: true); // SIGKILL on Unix
            child.WaitForExit();
        }

        Assert.False(Directory.Exists(Path.Combine(killed, "checkpoints", $"step-0000{Steps}")));
        CliResult resumed = CliRunner.Run("train", "--resume", "--out", killed);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        using JsonDocument summary = JsonDocument.Parse(Assert.Single(resumed.StdoutLines));
        Assert.True(summary.RootElement.GetProperty("start_step").GetInt32() >= 10);

        // Every logged step (loss, learning rate, gradient norm, logit scale) matches the uninterrupted run bit for bit.
        Assert.Equal(Normalised(straight), Normalised(killed));
    }

    [Fact]
    public void ADivergingRunStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint()
    {
        string output = PathOf("nan");
        string[] args = TinyRun(output, 20, lr: "1e30", warmup: "0", checkpointEvery: "1");
        CliResult r = CliRunner.Run(args);
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        r.AssertNoStackTrace();
        // Step 1 at lr 1e30 moves every weight by ~1e30; step 2 overflows. The checkpoint after step 1 is the one that diverged.
        Assert.Contains("training stopped at step 2", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("step-000001 holds the weights that diverged", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Lower the learning rate", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ResumingWithDifferentSettingsOrNothingToResumeIsAnError()
    {
        CliResult nothing = CliRunner.Run("train", "--resume", "--out", PathOf("none"));
        Assert.Equal(ClipCli.ExitError, nothing.ExitCode);
        Assert.Contains("nothing to resume", nothing.Stderr, StringComparison.Ordinal);

        string output = PathOf("changed");
        Assert.Equal(0, CliRunner.Run(TinyRun(output, 5)).ExitCode);
        CliResult changed = CliRunner.Run("train", "--resume", "--out", output, "--lr", "2e-3");
        Assert.Equal(ClipCli.ExitError, changed.ExitCode);
        Assert.Contains("learning_rate", changed.Stderr, StringComparison.Ordinal);
        changed.AssertNoStackTrace();

        CliResult again = CliRunner.Run(TinyRun(output, 5));
        Assert.Equal(ClipCli.ExitError, again.ExitCode);
        Assert.Contains("resume it", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AConfigFileSuppliesTheSettingsAndFlagsOverrideIt()
    {
        string config = PathOf("config.json");
        File.WriteAllText(config, $$"""
            {"data": {{JsonSerializer.Serialize(Path.Combine(Data(), "train.csv"))}}, "embed_dim": 32, "patch_size": 16, "vision_width": 64,
             "vision_layers": 1, "text_width": 64, "text_layers": 1, "context_length": 12, "batch": 16, "steps": 9, "lr": 1e-3, "workers": 1}
            """);
        string output = PathOf("configured");
        CliResult r = CliRunner.Run("train", "--config", config, "--out", output, "--steps", "3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(3, JsonDocument.Parse(Assert.Single(r.StdoutLines)).RootElement.GetProperty("steps").GetInt32());
        using JsonDocument saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "train.json")));
        Assert.Equal(0.001, saved.RootElement.GetProperty("lr").GetDouble());
        Assert.Equal(16, saved.RootElement.GetProperty("batch").GetInt32());

        File.WriteAllText(config, """{"steps": "many", "batch": 16}""");
        CliResult bad = CliRunner.Run("train", "--config", config, "--out", PathOf("bad"), "--data", Path.Combine(Data(), "train.csv"));
        Assert.Equal(ClipCli.ExitError, bad.ExitCode);
        Assert.Contains("\"steps\"", bad.Stderr, StringComparison.Ordinal);
    }

    // The log without the throughput, which is the one wall-clock field.
    private static string[] Normalised(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "log.jsonl")).Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"samples_per_s\":[0-9.eE+-]+", string.Empty))];
}

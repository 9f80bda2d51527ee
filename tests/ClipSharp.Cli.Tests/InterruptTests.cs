using System.Diagnostics;
using ClipSharp.Search;
using ClipSharp.Testing;
using ClipSharp.Tests.Hub;
using ClipSharp.Training;

namespace ClipSharp.Cli.Tests;

/// <summary>
/// Ctrl+C as a user gives it: a real SIGINT to a running <c>clip</c> process. The command stops at a safe point, says
/// what it kept, exits 130, and the same command continues from there.
/// </summary>
[Collection(ProcessHeavyCollection.Name)]
public sealed class InterruptTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(120);

    private readonly string _temp = Directory.CreateTempSubdirectory("clipsharp-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void IndexAddKeepsTheCommittedBatchesAndAReRunAddsTheRest()
    {
        string photos = Path.Combine(_temp, "photos");
        string index = Path.Combine(_temp, "idx");
        List<string> images = IndexTestImages.WriteFolder(photos, 600);
        string[] add = ["index", "add", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab, "--index", index, "--batch", "8", photos];

        using ClipProcess child = ClipProcess.Start(add);
        WaitFor(child, () => CommittedEntries(index) > 0, "the first committed batch");
        child.Interrupt();
        string stderr = child.Finish();

        Assert.True(child.ExitCode == ClipCli.ExitInterrupted, $"exit {child.ExitCode}: {stderr}");
        Assert.Contains("clip: interrupted.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        int kept = CommittedEntries(index);
        Assert.InRange(kept, 1, images.Count - 1);

        CliResult rerun = CliRunner.Run(add);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        using SearchIndex complete = SearchIndex.Open(index);
        Assert.Equal(images.Count, complete.Count);
        Assert.Equal(images.Order(StringComparer.Ordinal), complete.Entries.Select(e => e.Source).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TrainKeepsItsLastCheckpointAndResumesFromIt()
    {
        string data = Path.Combine(_temp, "data");
        Assert.Equal(0, CliRunner.Run("data", "synth", "--out", data, "--count", "64", "--eval-per-class", "1").ExitCode);
        string run = Path.Combine(_temp, "run");
        string checkpoints = Path.Combine(run, TrainingRun.CheckpointsFolderName);
        using ClipProcess child = ClipProcess.Start(
            "train", "--data", Path.Combine(data, "train.csv"), "--out", run, "--embed-dim", "32", "--patch-size", "16",
            "--vision-width", "64", "--vision-layers", "1", "--text-width", "64", "--text-layers", "1", "--context-length", "12",
            "--batch", "16", "--steps", "100000", "--checkpoint-every", "3", "--workers", "1");
        WaitFor(child, () => Directory.Exists(checkpoints) && RunCheckpoint.List(checkpoints).Count > 0, "the first checkpoint");
        child.Interrupt();
        string stderr = child.Finish();

        Assert.True(child.ExitCode == ClipCli.ExitInterrupted, $"exit {child.ExitCode}: {stderr}");
        Assert.Contains("is kept; continue with: clip train --resume", stderr, StringComparison.Ordinal);
        string last = RunCheckpoint.List(checkpoints)[^1];
        Assert.Contains(last, stderr, StringComparison.Ordinal);

        // The kept checkpoint is a whole model folder, and the run resumes from it.
        Assert.Equal(32, Clip.Load(last, null, TestContext.Current.CancellationToken).EmbedDim);
        using ClipProcess resumed = ClipProcess.Start("train", "--resume", "--out", run);
        WaitFor(resumed, () => resumed.Stderr.Contains("resuming", StringComparison.Ordinal), "the resumed run");
        resumed.Interrupt();
        Assert.Contains("clip: interrupted.", resumed.Finish(), StringComparison.Ordinal);
        Assert.Equal(ClipCli.ExitInterrupted, resumed.ExitCode);
    }

    [Fact]
    public void PullKeepsThePartialDownloadAndAReRunResumesIt()
    {
        var weights = new byte[6 << 20];
        new Random(7).NextBytes(weights);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = "{}"u8.ToArray(),
            ["model.safetensors"] = weights,
        };
        using var hub = new LoopbackHub("clipsharp/slow", files, new HashSet<string> { "model.safetensors" }) { PieceDelay = TimeSpan.FromMilliseconds(20) };
        string target = Path.Combine(_temp, "pulled");
        string part = Path.Combine(target, ".model.safetensors.part");
        string[] pull = ["pull", "clipsharp/slow", "--endpoint", hub.Endpoint, "--out", target];

        using ClipProcess child = ClipProcess.Start(pull);
        WaitFor(child, () => File.Exists(part) && new FileInfo(part).Length > 0, "the download to start");
        child.Interrupt();
        string stderr = child.Finish();

        Assert.True(child.ExitCode == ClipCli.ExitInterrupted, $"exit {child.ExitCode}: {stderr}");
        Assert.Contains("run the same command again to resume", stderr, StringComparison.Ordinal);
        long partial = new FileInfo(part).Length;
        Assert.InRange(partial, 1, weights.Length - 1);

        hub.PieceDelay = null;
        CliResult rerun = CliRunner.Run(pull);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(target, "model.safetensors")));
        Assert.Contains(hub.Requests, r => r.StartsWith("GET /cdn/model.safetensors", StringComparison.Ordinal) && r.Contains("bytes=", StringComparison.Ordinal));
    }

    private static int CommittedEntries(string index)
    {
        try
        {
            using SearchIndex opened = SearchIndex.Open(index);
            return opened.Count;
        }
        catch (SearchIndexException)
        {
            return 0;
        }
    }

    private static void WaitFor(ClipProcess child, Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (child.HasExited)
            {
                Assert.Fail($"clip exited ({child.ExitCode}) before {what}: {child.Stderr}");
            }

            Assert.True(clock.Elapsed < s_patience, $"no {what} after {s_patience.TotalSeconds} s: {child.Stderr}");
            Thread.Sleep(50);
        }
    }

    /// <summary>The <c>clip</c> command in a child process, as a shell runs it.</summary>
    private sealed class ClipProcess : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _stderr = new();

        private ClipProcess(Process process) => _process = process;

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public static ClipProcess Start(params string[] args)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }

            var clip = new ClipProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start clip."));
            clip._process.ErrorDataReceived += (_, e) =>
            {
                lock (clip._stderr)
                {
                    clip._stderr.AppendLine(e.Data);
                }
            };
            clip._process.OutputDataReceived += (_, _) => { };
            clip._process.BeginErrorReadLine();
            clip._process.BeginOutputReadLine();
            return clip;
        }

        /// <summary>What Ctrl+C sends: SIGINT to the process.</summary>
        public void Interrupt()
        {
            using Process kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        public string Finish()
        {
            Assert.True(_process.WaitForExit(s_patience), "clip did not stop after SIGINT.");
            _process.WaitForExit();
            return Stderr;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}

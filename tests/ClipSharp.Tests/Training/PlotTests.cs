using System.Diagnostics;
using ClipSharp.Imaging;
using ClipSharp.Training;
using ClipSharp.Training.Plots;

namespace ClipSharp.Tests.Training;

public sealed class PlotTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-plot-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void ALinePlotIsAPngOfTheRequestedSizeWithTheLinesDrawn()
    {
        string path = Path.Combine(_temp.FullName, "p.png");
        new LinePlot("t", "x", "y") { Width = 320, Height = 200 }
            .Add("a", [(0, 1), (1, 0.5), (2, 0.25)])
            .Add("b", [(0, 0), (2, 1)])
            .Save(path);
        DecodedImage image = ImageDecoder.Decode(path);
        Assert.Equal(320, image.Width);
        Assert.Equal(200, image.Height);
        Assert.Contains(image.Pixels.ToArray().Chunk(image.Pixels.Length / (320 * 200)), p => p[0] < 100 && p[2] > 150); // the first series' blue
    }

    [Fact]
    public void TheTitleHasTextPixels()
    {
        int titled = DarkPixelsInTitleBand("Validation loss over training");
        int blank = DarkPixelsInTitleBand(string.Empty);
        Assert.Equal(0, blank);
        Assert.True(titled > 100, $"the title drew {titled} dark pixels");
        Assert.Equal("DejaVu Sans", PlotCanvas.Typeface.FamilyName);
    }

    /// <summary>
    /// Runs <see cref="TheTitleHasTextPixels"/> in a child process that sees no system fonts: an empty folder is mounted
    /// over the font folders in a private mount namespace, where Skia's default typeface would draw nothing.
    /// </summary>
    [Fact]
    public async Task TheTitleHasTextPixelsOnAMachineWithoutSystemFonts()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/unshare"))
        {
            Assert.Skip("hiding the system fonts needs Linux and util-linux's unshare.");
        }

        string empty = Directory.CreateDirectory(Path.Combine(_temp.FullName, "no-fonts")).FullName;
        const string hideFonts = "for d in /usr/share/fonts /usr/local/share/fonts; do [ -d \"$d\" ] && mount --bind \"$1\" \"$d\"; done; "
            + "[ -z \"$(ls -A /usr/share/fonts 2>/dev/null)\" ] || exit 90; shift; exec \"$@\"";
        var start = new ProcessStartInfo("/usr/bin/unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[]
        {
            "--user", "--map-root-user", "--mount", "sh", "-c", hideFonts, "sh", empty,
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", "exec", typeof(PlotTests).Assembly.Location,
            "-method", $"{typeof(PlotTests).FullName}.{nameof(TheTitleHasTextPixels)}",
        })
        {
            start.ArgumentList.Add(a);
        }

        using Process child = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        Task<string> stderrRead = child.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await child.StandardOutput.ReadToEndAsync(timeout.Token);
        await child.WaitForExitAsync(timeout.Token);
        string stderr = await stderrRead;
        if (child.ExitCode == 1 && stderr.Contains("unshare", StringComparison.Ordinal))
        {
            Assert.Skip($"this machine does not allow a private mount namespace: {stderr.Trim()}");
        }

        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}\n{stdout}\n{stderr}");
        Assert.Matches(@"Total: 1, Errors: 0, Failed: 0, Skipped: 0", stdout);
    }

    private int DarkPixelsInTitleBand(string title)
    {
        string path = Path.Combine(_temp.FullName, $"title-{title.Length}.png");
        new LinePlot(title, "x", "y") { Width = 400, Height = 240 }.Add("a", [(0, 1), (1, 2)]).Save(path);
        DecodedImage image = ImageDecoder.Decode(path);
        int channels = image.Channels, dark = 0;
        ReadOnlySpan<byte> pixels = image.Pixels;
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int p = ((y * image.Width) + x) * channels;
                dark += pixels[p] < 128 && pixels[p + 1] < 128 && pixels[p + 2] < 128 ? 1 : 0;
            }
        }

        return dark;
    }

    [Theory]
    [InlineData(0, 1, 0.2)]
    [InlineData(0, 2500, 500)]
    [InlineData(1e-5, 1e-3, 2e-4)]
    public void TicksAreRoundSteps(double min, double max, double step)
    {
        IReadOnlyList<double> ticks = PlotCanvas.Ticks(min, max);
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, step * 1e-6));
        Assert.True(ticks[0] >= min - (step * 1e-6) && ticks[^1] <= max + (step * 1e-6));
    }

    [Fact]
    public void RunPlotsComeFromTheLog()
    {
        string logPath = Path.Combine(_temp.FullName, "log.jsonl");
        using (TrainingLog log = TrainingLog.Create(logPath))
        {
            log.WriteTrain(new TrainRecord(1, 0, 4.5f, 1e-4, 2, 2.6f, 100));
            log.WriteTrain(new TrainRecord(2, 0, 4.0f, 2e-4, 2, 2.6f, 100));
            log.WriteEval(new EvalRecord(2, new Dictionary<string, double> { ["top1"] = 0.5 }));
            log.WriteTrain(new TrainRecord(3, 0, 3.0f, 2e-4, 2, 2.6f, 100));
        }

        using (TrainingLog resumed = TrainingLog.Resume(logPath, 2))
        {
            Assert.Equal(2, resumed.Train.Count);
            Assert.Single(resumed.Eval);
            Assert.Equal(3, File.ReadAllLines(logPath).Length);
            IReadOnlyList<string> plots = RunPlots.Write(resumed, _temp.FullName);
            Assert.Equal(3, plots.Count);
        }
    }
}

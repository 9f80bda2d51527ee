using System.Text.Json;
using ClipSharp.Imaging;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

public sealed class LocateCommandTests
{
    [Fact]
    public void LocateWritesAnOverlayAndJsonPerPrompt()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-locate-").FullName;
        try
        {
            string overlay = Path.Combine(folder, "overlay.png");
            CliResult r = CliRunner.Run(
                ["locate", CliRunner.Image("photo_q90_640x480.jpg"), .. CliRunner.TinyModelArgs(), "--prompt", "a red star", "--prompt", "a blue circle", "--out", overlay, "--json"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
            JsonElement root = doc.RootElement;
            Assert.Equal(640, root.GetProperty("width").GetInt32());
            Assert.Equal(4, root.GetProperty("grid").GetInt32());
            JsonElement[] prompts = [.. root.GetProperty("prompts").EnumerateArray()];
            Assert.Equal(["a red star", "a blue circle"], prompts.Select(p => p.GetProperty("prompt").GetString()));
            foreach (JsonElement p in prompts)
            {
                JsonElement box = p.GetProperty("box");
                int x = p.GetProperty("peak").GetProperty("x").GetInt32();
                Assert.InRange(x, box.GetProperty("left").GetInt32(), box.GetProperty("right").GetInt32() - 1);
                Assert.InRange(box.GetProperty("bottom").GetInt32(), 1, 480);
                Assert.InRange(p.GetProperty("mask_area").GetInt64(), 1, 640 * 480);
            }

            DecodedImage picture = ImageDecoder.Decode(overlay);
            Assert.Equal(2 * 640, picture.Width);

            // The overlay is not replaced without --force.
            CliResult again = CliRunner.Run(
                ["locate", CliRunner.Image("photo_q90_640x480.jpg"), .. CliRunner.TinyModelArgs(), "--prompt", "a red star", "--out", overlay]);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);
            Assert.Equal(2 * 640, ImageDecoder.Decode(overlay).Width);
            again.AssertNoStackTrace();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SegmentReportsEveryLabelsShare()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-segment-").FullName;
        try
        {
            string overlay = Path.Combine(folder, "segments.png");
            CliResult r = CliRunner.Run(
                ["locate", "-i", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--segment", "cat,dog,background", "--out", overlay, "--json"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
            JsonElement[] labels = [.. doc.RootElement.GetProperty("labels").EnumerateArray()];
            Assert.Equal(["cat", "dog", "background"], labels.Select(l => l.GetProperty("label").GetString()));
            Assert.Equal(224 * 224, labels.Sum(l => l.GetProperty("pixels").GetInt64()));
            Assert.True(File.Exists(overlay));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void GradientMethodGivesRelevancesAndEvalReportsBothMethods()
    {
        CliResult r = CliRunner.Run(
            ["locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a red star", "--method", "gradient", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        Assert.Equal("gradient", doc.RootElement.GetProperty("method").GetString());
        JsonElement prompt = doc.RootElement.GetProperty("prompts")[0];
        Assert.True(prompt.GetProperty("min_relevance").GetDouble() >= 0);
        Assert.True(prompt.GetProperty("relevance").GetDouble() > prompt.GetProperty("min_relevance").GetDouble());

        CliResult eval = CliRunner.Run(["eval", "locate", .. CliRunner.TinyModelArgs(), "--scenes", "1", "--objects", "2", "--json"]);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using JsonDocument rows = JsonDocument.Parse(eval.StdoutLines.Single());
        Assert.Equal(["dense", "gradient", "occlusion"], rows.RootElement.GetProperty("results").EnumerateArray().Select(x => x.GetProperty("method").GetString()));

        CliResult bad = CliRunner.Run(["locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a star", "--method", "gradcam"]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("gradcam", bad.Stderr, StringComparison.Ordinal);
        bad.AssertNoStackTrace();
    }

    [Fact]
    public void GradientMethodRunsOnAResNetAtLayer4sGrid()
    {
        string[] model = ["--model", Fixtures.GoldenPath("model", "rn_tiny"), "--vocab", Fixtures.TinyVocab];
        CliResult r = CliRunner.Run(
            ["locate", CliRunner.Image("photo_q90_640x480.jpg"), .. model, "--prompt", "a red star", "--prompt", "a blue circle", "--method", "gradient", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        Assert.Equal("gradient", doc.RootElement.GetProperty("method").GetString());

        // rn_tiny sees 64 pixels: layer4's map is 64 / 32 = 2 cells per side.
        Assert.Equal(2, doc.RootElement.GetProperty("grid").GetInt32());
        JsonElement[] prompts = [.. doc.RootElement.GetProperty("prompts").EnumerateArray()];
        Assert.Equal(2, prompts.Length);
        Assert.All(prompts, p => Assert.True(p.GetProperty("relevance").GetDouble() >= p.GetProperty("min_relevance").GetDouble()));
        Assert.All(prompts, p => Assert.True(p.GetProperty("min_relevance").GetDouble() >= 0));
        Assert.Contains(prompts, p => p.GetProperty("relevance").GetDouble() > 0);

        CliResult eval = CliRunner.Run(["eval", "locate", .. model, "--scenes", "1", "--objects", "2", "--method", "gradient", "--json"]);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using JsonDocument rows = JsonDocument.Parse(eval.StdoutLines.Single());
        Assert.Equal("gradient", rows.RootElement.GetProperty("results").EnumerateArray().Single().GetProperty("method").GetString());
    }

    [Fact]
    public void OcclusionMethodGivesAFinerMapAndEvalMeasuresItAlone()
    {
        CliResult r = CliRunner.Run(
            ["locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a red star", "--prompt", "a circle", "--method", "occlusion", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        Assert.Equal("occlusion", doc.RootElement.GetProperty("method").GetString());
        JsonElement[] prompts = [.. doc.RootElement.GetProperty("prompts").EnumerateArray()];
        Assert.Equal(2, prompts.Length);
        Assert.All(prompts, p => Assert.True(p.GetProperty("relevance").GetDouble() > p.GetProperty("min_relevance").GetDouble()));

        CliResult eval = CliRunner.Run(["eval", "locate", .. CliRunner.TinyModelArgs(), "--scenes", "1", "--objects", "2", "--method", "occlusion", "--json"]);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using JsonDocument rows = JsonDocument.Parse(eval.StdoutLines.Single());
        JsonElement row = rows.RootElement.GetProperty("results").EnumerateArray().Single();
        Assert.Equal("occlusion", row.GetProperty("method").GetString());
        Assert.InRange(row.GetProperty("pointing").GetDouble(), 0, 1);
    }

    [Fact]
    public void TheOcclusionFlagsReachTheLocator()
    {
        CliResult r = CliRunner.Run(
        [
            "locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a red star", "--method", "occlusion",
            "--occlusion-score", "cosine", "--occluder-merge", "mean", "--occluder-sizes", "8", "--occlusion-stride", "8", "--json",
        ]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        Assert.Equal(4, doc.RootElement.GetProperty("grid").GetInt32());

        CliResult bad = CliRunner.Run(
            ["locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a star", "--method", "occlusion", "--occlusion-stride", "5"]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--occlusion-stride", bad.Stderr, StringComparison.Ordinal);
        bad.AssertNoStackTrace();

        CliResult unknown = CliRunner.Run(["eval", "locate", .. CliRunner.TinyModelArgs(), "--method", "occlusion", "--occlusion-score", "loudest"]);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("loudest", unknown.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threshold", "2", "--threshold must be in [0, 1]")]
    [InlineData("--out", "x.jpg", "must end in .png")]
    [InlineData("--segment", "cat", "either --prompt")]
    public void BadOptionsGiveOneLineErrors(string option, string value, string message)
    {
        CliResult r = CliRunner.Run(
            ["locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a star", option, value]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }

    [Fact]
    public void AMissingImageIsNamed()
    {
        CliResult r = CliRunner.Run(["locate", "/nonexistent/cat.png", .. CliRunner.TinyModelArgs(), "--prompt", "a cat"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("/nonexistent/cat.png", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }

    [Fact]
    public void TablesGoToStderr()
    {
        CliResult r = CliRunner.Run(["locate", CliRunner.Image("square_224x224.png"), .. CliRunner.TinyModelArgs(), "--prompt", "a star"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Contains("a star", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void EvalLocateReportsPointingAndMeanIoUBesideBaselines()
    {
        CliResult r = CliRunner.Run(["eval", "locate", .. CliRunner.TinyModelArgs(), "--scenes", "2", "--objects", "2,3", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        JsonElement[] rows = [.. doc.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal([2, 3, 2, 3, 2, 3], rows.Select(x => x.GetProperty("objects").GetInt32()));
        Assert.All(rows, x => Assert.InRange(x.GetProperty("pointing").GetDouble(), 0, 1));
        Assert.All(rows, x => Assert.InRange(x.GetProperty("miou_random").GetDouble(), 0, 1));
        Assert.Contains("pointing", r.Stderr, StringComparison.Ordinal);

        CliResult bad = CliRunner.Run(["eval", "locate", .. CliRunner.TinyModelArgs(), "--objects", "2,x"]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--objects", bad.Stderr, StringComparison.Ordinal);
        bad.AssertNoStackTrace();
    }
}

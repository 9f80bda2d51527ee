using System.Text.Json;
using ClipSharp.Checkpoints;

namespace ClipSharp.Cli.Tests;

public sealed class EmbedCommandTests
{
    [Fact]
    public void WritesOneJsonLinePerInputInCommandLineOrder()
    {
        CliResult r = CliRunner.Run(
            ["embed", .. CliRunner.TinyModelArgs(), "--text", "a photo of a cat", "--image", CliRunner.Image("square_224x224.png"), "-t", "-dash text"]);
        Assert.Equal(0, r.ExitCode);
        string[] lines = r.StdoutLines;
        Assert.Equal(3, lines.Length);
        (string Input, string Kind)[] expected = [("a photo of a cat", "text"), (CliRunner.Image("square_224x224.png"), "image"), ("-dash text", "text")];
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(expected[i].Input, doc.RootElement.GetProperty("input").GetString());
            Assert.Equal(expected[i].Kind, doc.RootElement.GetProperty("kind").GetString());
            float[] embedding = [.. doc.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
            Assert.Equal(32, embedding.Length);
            Assert.Equal(1.0, Math.Sqrt(embedding.Sum(v => (double)v * v)), 5);
        }
    }

    [Fact]
    public void NoNormalizeGivesTheRawProjections()
    {
        string[] model = CliRunner.TinyModelArgs();
        Clip clip = Clip.Load(model[1], model[3], TestContext.Current.CancellationToken);
        float[] raw = clip.EncodeTexts(["a photo of a cat"], normalize: false).ToArray();
        CliResult r = CliRunner.Run(["embed", .. model, "--text", "a photo of a cat", "--no-normalize"]);
        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        Assert.Equal(raw, doc.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Fact]
    public void ABadImageIsListedAndTheGoodInputsAreStillWritten()
    {
        string corrupt = Path.Combine(Path.GetTempPath(), $"clipsharp-corrupt-{Guid.NewGuid():N}.png");
        File.WriteAllText(corrupt, "this is not an image");
        try
        {
            CliResult r = CliRunner.Run(
                ["embed", .. CliRunner.TinyModelArgs(), "-i", CliRunner.Image("small_100x50.png"), "-i", corrupt, "-i", "/no/such/image.jpg", "-t", "ok"]);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal(2, r.StdoutLines.Length);
            Assert.Contains(corrupt, r.Stderr, StringComparison.Ordinal);
            Assert.Contains("/no/such/image.jpg", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("2 of 4 inputs failed", r.Stderr, StringComparison.Ordinal);
            r.AssertNoStackTrace();
        }
        finally
        {
            File.Delete(corrupt);
        }
    }

    [Fact]
    public void WritesNpyAndSafetensorsAndNeverOverwritesWithoutForce()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-embed-").FullName;
        try
        {
            string npy = Path.Combine(folder, "e.npy");
            CliResult r = CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "-t", "a", "-t", "b", "--output", npy]);
            Assert.Equal(0, r.ExitCode);
            Assert.Empty(r.Stdout);
            byte[] bytes = File.ReadAllBytes(npy);
            Assert.Equal(0x93, bytes[0]);
            Assert.Contains("'shape': (2, 32)", System.Text.Encoding.ASCII.GetString(bytes, 0, 128), StringComparison.Ordinal);

            CliResult again = CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "-t", "c", "--output", npy]);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
            Assert.Equal(bytes, File.ReadAllBytes(npy));
            Assert.Equal(0, CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "-t", "c", "--output", npy, "--force"]).ExitCode);

            string st = Path.Combine(folder, "e.safetensors");
            Assert.Equal(0, CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "-t", "a", "-i", CliRunner.Image("gray_333x250.png"), "-o", st]).ExitCode);
            using var file = SafeTensorsFile.Open(st);
            Assert.Equal([2, 32], file.Info("embeddings").Shape);
            Assert.Equal("""["text","image"]""", file.Metadata["kinds"]);
            Assert.Equal(2, Directory.GetFiles(folder).Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AnUnsupportedOutputExtensionIsRejectedBeforeLoadingTheModel()
    {
        CliResult r = CliRunner.Run("embed", "--model", "/no/such/model", "-t", "a", "--output", "x.csv");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(".npy or .safetensors", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingToEmbedIsAnError()
    {
        CliResult r = CliRunner.Run("embed", "--model", "/no/such/model");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nothing to embed", r.Stderr, StringComparison.Ordinal);
    }
}

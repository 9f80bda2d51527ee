using System.Text.Json;
using ClipSharp.Imaging;

namespace ClipSharp.Cli.Tests;

public sealed class GenerateCommandTests
{
    [Fact]
    public void GenerateWritesTheImageAndFramesAndNeverOverwritesWithoutForce()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-generate-").FullName;
        try
        {
            string image = Path.Combine(folder, "star.png");
            string frames = Path.Combine(folder, "frames");
            CliResult r = CliRunner.Run(
                ["generate", "a blue star", .. CliRunner.TinyModelArgs(), "--steps", "6", "--seed", "2", "--out", image, "--frames", frames, "--frame-every", "3", "--json"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
            JsonElement root = doc.RootElement;
            Assert.Equal("a blue star", root.GetProperty("prompt").GetString());
            Assert.Equal(3, root.GetProperty("frames").GetInt32());
            Assert.True(root.GetProperty("similarity").GetDouble() > root.GetProperty("start_similarity").GetDouble());
            DecodedImage made = ImageDecoder.Decode(image);
            Assert.Equal(root.GetProperty("size").GetInt32(), made.Width);
            Assert.Equal(["frame-0000.png", "frame-0003.png", "frame-0006.png"], Directory.GetFiles(frames).Select(Path.GetFileName).Order());

            byte[] before = File.ReadAllBytes(image);
            CliResult again = CliRunner.Run(["generate", "a red circle", .. CliRunner.TinyModelArgs(), "--steps", "2", "--out", image]);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllBytes(image));
            again.AssertNoStackTrace();

            CliResult forced = CliRunner.Run(["generate", "a red circle", .. CliRunner.TinyModelArgs(), "--steps", "2", "--seed", "5", "--out", image, "--force"]);
            Assert.True(forced.ExitCode == 0, forced.Stderr);
            Assert.NotEqual(before, File.ReadAllBytes(image));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class TagCommandTests
{
    [Fact]
    public void TagsFilesAndFoldersWithPerLabelThresholds()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-tag-").FullName;
        try
        {
            string photos = Path.Combine(folder, "photos");
            List<string> images = IndexTestImages.WriteFolder(photos, 3);
            string labels = Path.Combine(folder, "labels.txt");
            File.WriteAllLines(labels, ["# tags", "cat | threshold=0", "dog | threshold=1", "coin | prompt=a photo. | negative=a photo."]);
            CliResult r = CliRunner.Run(["tag", .. CliRunner.TinyModelArgs(), "--labels-file", labels, "--threshold", "0.5", "--json", photos]);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(3, r.StdoutLines.Length);
            foreach (string line in r.StdoutLines)
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                Assert.Contains(doc.RootElement.GetProperty("image").GetString(), images);
                JsonElement[] scores = [.. doc.RootElement.GetProperty("labels").EnumerateArray()];
                Assert.Equal(["cat", "dog", "coin"], scores.Select(s => s.GetProperty("label").GetString()));
                Assert.True(scores[0].GetProperty("match").GetBoolean());
                Assert.Equal(0.5, scores[2].GetProperty("probability").GetDouble(), 5);
                Assert.Equal(0.5, scores[2].GetProperty("threshold").GetDouble(), 5);
                Assert.Equal(
                    scores.Where(s => s.GetProperty("match").GetBoolean()).Select(s => s.GetProperty("label").GetString()),
                    doc.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ABadLabelsFileIsOneLineNamingTheLine()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-tag-").FullName;
        try
        {
            string labels = Path.Combine(folder, "labels.txt");
            File.WriteAllLines(labels, ["cat", "dog | threshold=2"]);
            CliResult r = CliRunner.Run(["tag", .. CliRunner.TinyModelArgs(), "--labels-file", labels, CliRunner.Image("square_224x224.png")]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"{labels}:2: threshold \"2\" is not a probability between 0 and 1.", r.Stderr, StringComparison.Ordinal);
            r.AssertNoStackTrace();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

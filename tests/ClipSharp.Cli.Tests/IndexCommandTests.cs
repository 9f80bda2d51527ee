using System.Text.Json;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

public sealed class IndexCommandTests
{
    [Fact]
    public void AddSearchByTextAndImageAndSync()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-index-cli-").FullName;
        try
        {
            string photos = Path.Combine(folder, "photos");
            string index = Path.Combine(folder, "idx");
            List<string> images = IndexTestImages.WriteFolder(photos, 10);
            File.WriteAllText(Path.Combine(photos, "bad.jpg"), "no jpeg here");

            CliResult add = CliRunner.Run(["index", "add", .. CliRunner.TinyModelArgs(), "--index", index, "--json", photos]);
            Assert.Equal(0, add.ExitCode);
            using (JsonDocument summary = JsonDocument.Parse(add.StdoutLines.Single()))
            {
                Assert.Equal(10, summary.RootElement.GetProperty("added").GetInt32());
                Assert.Equal(1, summary.RootElement.GetProperty("skipped").GetInt32());
                Assert.Equal(10, summary.RootElement.GetProperty("entries").GetInt32());
            }

            Assert.Contains($"skipped {Path.Combine(photos, "bad.jpg")}:", add.Stderr, StringComparison.Ordinal);

            CliResult rerun = CliRunner.Run(["index", "add", .. CliRunner.TinyModelArgs(), "--index", index, photos]);
            Assert.Equal(0, rerun.ExitCode);
            Assert.Contains("0 added, 0 updated, 10 unchanged, 1 skipped; the index holds 10.", rerun.Stderr, StringComparison.Ordinal);

            CliResult text = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", index, "-k", "4", "--json", "a red square"]);
            Assert.Equal(0, text.ExitCode);
            Assert.Equal(4, text.StdoutLines.Length);
            float[] scores = [.. text.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("score").GetSingle())];
            Assert.True(scores.Zip(scores.Skip(1)).All(p => p.First >= p.Second));

            // The quantized engine ranks the same entries (it re-ranks with exact scores); a graph cannot be asked of a small index.
            CliResult quantized = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", index, "--engine", "quantized", "-k", "4", "--json", "a red square"]);
            Assert.Equal(0, quantized.ExitCode);
            Assert.Equal(
                text.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()),
                quantized.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()));
            CliResult hnsw = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", index, "--engine", "hnsw", "a red square"]);
            Assert.Equal(1, hnsw.ExitCode);
            Assert.Contains("no HNSW graph", hnsw.Stderr, StringComparison.Ordinal);
            hnsw.AssertNoStackTrace();

            CliResult byImage = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", index, "--image", images[6], "-k", "1", "--json"]);
            Assert.Equal(0, byImage.ExitCode);
            using (JsonDocument hit = JsonDocument.Parse(byImage.StdoutLines.Single()))
            {
                Assert.Equal(images[6], hit.RootElement.GetProperty("source").GetString());
                Assert.Equal(1f, hit.RootElement.GetProperty("score").GetSingle(), 1e-4f);
            }

            File.Delete(images[0]);
            File.Delete(images[1]);
            CliResult sync = CliRunner.Run("index", "sync", "--index", index);
            Assert.Equal(0, sync.ExitCode);
            Assert.Contains("2 deleted files dropped", sync.Stderr, StringComparison.Ordinal);
            CliResult info = CliRunner.Run("index", "info", "--index", index);
            using JsonDocument infoJson = JsonDocument.Parse(info.StdoutLines.Single());
            Assert.Equal(8, infoJson.RootElement.GetProperty("entries").GetInt32());
            Assert.Equal("exact", infoJson.RootElement.GetProperty("engine").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ImageToTextWithGivenCaptionsAndWithACaptionIndex()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-captions-cli-").FullName;
        try
        {
            string image = Path.Combine(folder, "x.png");
            File.WriteAllBytes(image, IndexTestImages.Png(3));
            CliResult given = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--image", image, "--captions", "a cat,a dog,a car", "--json"]);
            Assert.Equal(0, given.ExitCode);
            string[] ranked = [.. given.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("source").GetString()!)];
            Assert.Equal(["a car", "a cat", "a dog"], ranked.Order(StringComparer.Ordinal));

            string captions = Path.Combine(folder, "captions.txt");
            File.WriteAllLines(captions, ["a cat", "a dog", "", "a car"]);
            string index = Path.Combine(folder, "captions-index");
            Assert.Equal(0, CliRunner.Run(["index", "add-texts", .. CliRunner.TinyModelArgs(), "--index", index, captions]).ExitCode);
            CliResult fromIndex = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", index, "--image", image, "--json"]);
            Assert.Equal(0, fromIndex.ExitCode);
            Assert.Equal(ranked, fromIndex.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("source").GetString()!));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ErrorsAreOneLine()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-index-errors-").FullName;
        try
        {
            CliResult missing = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", Path.Combine(folder, "none"), "cat"]);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("no index here", missing.Stderr, StringComparison.Ordinal);
            missing.AssertNoStackTrace();

            CliResult both = CliRunner.Run(["search", .. CliRunner.TinyModelArgs(), "--index", folder, "--image", "x.png", "cat"]);
            Assert.Equal(1, both.ExitCode);
            Assert.Contains("exactly one of a text query or --image", both.Stderr, StringComparison.Ordinal);

            CliResult noFolder = CliRunner.Run(["index", "add", .. CliRunner.TinyModelArgs(), "--index", folder, Path.Combine(folder, "nope")]);
            Assert.Equal(1, noFolder.ExitCode);
            Assert.Contains("folder not found", noFolder.Stderr, StringComparison.Ordinal);

            // An index built by one model refuses queries from another, naming both.
            string photos = Path.Combine(folder, "p");
            IndexTestImages.WriteFolder(photos, 2);
            string index = Path.Combine(folder, "idx");
            Assert.Equal(0, CliRunner.Run(["index", "add", .. CliRunner.TinyModelArgs(), "--index", index, photos]).ExitCode);
            string otherModel = Path.Combine(folder, "other-model");
            Directory.CreateDirectory(otherModel);
            File.Copy(Fixtures.GoldenPath("model", "vit_tiny", "config.json"), Path.Combine(otherModel, "config.json"));
            byte[] weights = File.ReadAllBytes(Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors"));
            weights[^2] ^= 0x40;
            File.WriteAllBytes(Path.Combine(otherModel, "weights.safetensors"), weights);
            CliResult other = CliRunner.Run("search", "--model", otherModel, "--vocab", Fixtures.TinyVocab, "--index", index, "cat");
            Assert.Equal(1, other.ExitCode);
            Assert.Contains($"built with model {Fixtures.TinyModel}", other.Stderr, StringComparison.Ordinal);
            Assert.Contains($"the query uses {otherModel}", other.Stderr, StringComparison.Ordinal);
            other.AssertNoStackTrace();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

using System.Text.Json;
using ClipSharp.Bulk;
using ClipSharp.Testing;
using ClipSharp.Tests.Bulk;

namespace ClipSharp.Cli.Tests;

/// <summary><c>clip embed --webdataset</c>: the shards' images with their keys and captions, as lines or clip-retrieval's folder.</summary>
public sealed class EmbedWebDatasetTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-embed-wds-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void EachSampleIsOneLineWithItsKeyAndCaptionAndTheImagesEmbeddingBitForBit()
    {
        List<string> shards = WebDatasetShards.Write(Folder("shards"), 2, 3);
        CliResult r = CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "--webdataset", Path.Combine(Folder("shards"), "shard-*.tar")]);
        Assert.Equal(0, r.ExitCode);
        JsonElement[] lines = [.. r.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        Assert.Equal(6, lines.Length);
        Assert.Equal(
            ["shard-000.tar/s0-0", "shard-000.tar/s0-1", "shard-000.tar/s0-2", "shard-001.tar/s1-0", "shard-001.tar/s1-1", "shard-001.tar/s1-2"],
            lines.Select(l => l.GetProperty("key").GetString()));
        Assert.Equal(WebDatasetShards.Caption(101), lines[4].GetProperty("caption").GetString());
        Assert.Equal($"{shards[1]}:s1-1.png", lines[4].GetProperty("input").GetString());

        // The same image as a file embeds to the same floats.
        string file = Path.Combine(Folder("files"), "s1-1.png");
        Directory.CreateDirectory(Folder("files"));
        File.WriteAllBytes(file, ClipSharp.Tests.Search.GeneratedImages.Png(101));
        CliResult single = CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "-i", file]);
        Assert.Equal(0, single.ExitCode);
        Assert.Equal(Floats(JsonDocument.Parse(single.StdoutLines.Single()).RootElement), Floats(lines[4]));
    }

    [Fact]
    public void ClipRetrievalMetadataHoldsPathKeyAndCaptionAndASampleWithoutCaptionIsReported()
    {
        WebDatasetShards.Write(Folder("shards"), 2, 2, uncaptioned: true);
        CliResult r = CliRunner.Run(
            ["embed", .. CliRunner.TinyModelArgs(), "--webdataset", Path.Combine(Folder("shards"), "*.tar"), "--format", "clip-retrieval", "--out", Folder("out")]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("skipped shard-001.tar/s1-nocaption", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("2 samples had no image or no caption", r.Stderr, StringComparison.Ordinal);
        string metadata = ClipRetrievalOutput.Metadata(Folder("out"), 0);
        Assert.Equal(["shard-000.tar/s0-0", "shard-000.tar/s0-1", "shard-001.tar/s1-0", "shard-001.tar/s1-1"], ParquetTestFile.ReadStrings(metadata, ClipRetrievalOutput.KeyColumn));
        Assert.Equal([.. new[] { 0, 1, 100, 101 }.Select(WebDatasetShards.Caption)], ParquetTestFile.ReadStrings(metadata, ClipRetrievalOutput.CaptionColumn));
        Assert.All(ParquetTestFile.ReadStrings(metadata, ClipRetrievalOutput.ImagePathColumn), p => Assert.Contains(".tar:s", p, StringComparison.Ordinal));
        r.AssertNoStackTrace();
    }

    [Fact]
    public void BadWebDatasetArgumentsGetOneClearLine()
    {
        WebDatasetShards.Write(Folder("shards"), 1, 1);
        File.WriteAllText(Path.Combine(Folder("shards"), "broken.tar"), "this is not a tar file, only text that goes on for a while..." + new string('x', 600));
        (string[] Args, string Message)[] cases =
        [
            (["--webdataset", Path.Combine(Folder("shards"), "none-*.tar")], "no shard matches"),
            (["--webdataset", Path.Combine(Folder("shards"), "missing.tar")], "shard not found"),
            (["--webdataset", Path.Combine(Folder("shards"), "broken.tar")], "broken.tar"),
            (["--webdataset", Path.Combine(Folder("shards"), "shard-000.tar"), "-t", "a cat"], "--webdataset embeds its shards' samples alone"),
        ];
        foreach ((string[] args, string message) in cases)
        {
            CliResult r = CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), .. args]);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
            r.AssertNoStackTrace();
        }
    }

    private static float[] Floats(JsonElement line) => [.. line.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];

    private string Folder(string name) => Path.Combine(_temp.FullName, name);
}

using System.Formats.Tar;
using ClipSharp.Data;
using ClipSharp.Imaging;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Data;

public sealed class WebDatasetSourceTests
{
    [Theory]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void ImagesAreReadBackFromTheirOffsetsInTheShard(TarEntryFormat format)
    {
        using var temp = new TempFolder();
        // A long member name needs an extended header in PAX and GNU: the image offset must still be its data.
        string longKey = "deep/" + new string('k', format == TarEntryFormat.Ustar ? 90 : 120);
        byte[] first = DataFiles.Png(9, 7, 30), second = DataFiles.Png(13, 5, 90);
        DataFiles.WriteTar(temp.File("shard-000.tar"), format,
            ("000001.txt", DataFiles.Utf8("a small thing")),
            ("000001.png", first),
            (longKey + ".jpg", second),
            (longKey + ".txt", DataFiles.Utf8("a long name")));

        CaptionDataset set = WebDatasetSource.Load([temp.File("shard-000.tar")]);

        Assert.Equal(["shard-000.tar/000001", "shard-000.tar/" + longKey], set.Samples.Select(s => s.Key));
        Assert.Equal(["a small thing", "a long name"], set.Samples.Select(s => s.Caption));
        Assert.Equal(ImageDecoder.Decode(first, "first").Pixels.ToArray(), set.Samples[0].Image.Decode().Pixels.ToArray());
        Assert.Equal(ImageDecoder.Decode(second, "second").Pixels.ToArray(), set.Samples[1].Image.Decode().Pixels.ToArray());
    }

    [Fact]
    public void ShardsByGlobAndListInOrderWithIncompleteSamplesSkipped()
    {
        using var temp = new TempFolder();
        DataFiles.WriteTar(temp.File("s-001.tar"), TarEntryFormat.Pax,
            ("b.png", DataFiles.Png(4, 4, 1)), ("b.txt", DataFiles.Utf8("bee")), ("c.png", DataFiles.Png(4, 4, 2)));
        DataFiles.WriteTar(temp.File("s-000.tar"), TarEntryFormat.Pax,
            ("a.png", DataFiles.Png(4, 4, 3)), ("a.txt", DataFiles.Utf8("ay")), ("d.txt", DataFiles.Utf8("caption only")),
            ("e.png", DataFiles.Png(4, 4, 4)), ("e.txt", DataFiles.Utf8("   ")));

        IReadOnlyList<string> shards = WebDatasetSource.ExpandShards(Path.Combine(temp.Path, "s-*.tar"));
        Assert.Equal([temp.File("s-000.tar"), temp.File("s-001.tar")], shards);
        CaptionDataset set = CaptionDataset.Open(Path.Combine(temp.Path, "s-*.tar"));

        Assert.Equal(["s-000.tar/a", "s-001.tar/b"], set.Samples.Select(s => s.Key));
        Assert.Equal(
            ["s-000.tar/d: no image member", "s-000.tar/e: empty caption", "s-001.tar/c: no caption member (.txt)"],
            set.Skipped.Select(s => $"{s.Key}: {s.Reason}"));

        CaptionDataset listed = CaptionDataset.Open(temp.File("s-001.tar") + "," + temp.File("s-000.tar"));
        Assert.Equal(["s-001.tar/b", "s-000.tar/a"], listed.Samples.Select(s => s.Key));
    }

    [Fact]
    public void MissingAndCorruptShardsAreClearErrors()
    {
        using var temp = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => WebDatasetSource.ExpandShards(Path.Combine(temp.Path, "none-*.tar")));
        Assert.Throws<FileNotFoundException>(() => WebDatasetSource.Load([temp.File("absent.tar")]));
        File.WriteAllBytes(temp.File("bad.tar"), [.. Enumerable.Repeat((byte)'x', 1024)]);
        var e = Assert.Throws<InvalidDataException>(() => WebDatasetSource.Load([temp.File("bad.tar")]));
        Assert.Contains("bad.tar", e.Message, StringComparison.Ordinal);
    }
}

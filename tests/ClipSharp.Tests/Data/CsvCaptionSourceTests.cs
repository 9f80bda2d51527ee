using ClipSharp.Data;
using ClipSharp.Imaging;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Data;

public sealed class CsvCaptionSourceTests
{
    [Fact]
    public void CsvWithHeaderResolvesPathsAgainstTheTableAndKeepsQuotedFields()
    {
        using var temp = new TempFolder();
        DataFiles.WritePng(temp.Path, "images/a.png", tone: 10);
        DataFiles.WritePng(temp.Path, "images/b.png", tone: 20);
        DataFiles.WriteText(temp.Path, "data/pairs.csv",
            "id,image,caption\r\n1,../images/a.png,\"a cat, sitting\"\r\n2,../images/b.png,\"two \"\"quoted\"\"\nlines\"\r\n");

        CaptionDataset set = CsvCaptionSource.Load(temp.File("data/pairs.csv"));

        Assert.Equal(2, set.Count);
        Assert.Empty(set.Skipped);
        Assert.Equal("a cat, sitting", set.Samples[0].Caption);
        Assert.Equal("two \"quoted\"\nlines", set.Samples[1].Caption);
        Assert.Equal("pairs.csv:2", set.Samples[0].Key);
        Assert.Equal("pairs.csv:3", set.Samples[1].Key);
        DecodedImage b = set.Samples[1].Image.Decode();
        Assert.Equal(ImageDecoder.Decode(temp.File("images/b.png")).Pixels.ToArray(), b.Pixels.ToArray());
    }

    [Fact]
    public void TsvTreatsQuotesAsTextAndFindsTheUsualColumnNames()
    {
        using var temp = new TempFolder();
        DataFiles.WritePng(temp.Path, "x.png");
        DataFiles.WriteText(temp.Path, "t.tsv", "caption\tfilepath\nthe \"best\" dog\tx.png\n\n");

        CaptionDataset set = CsvCaptionSource.Load(temp.File("t.tsv"));

        CaptionedSample s = Assert.Single(set.Samples);
        Assert.Equal("the \"best\" dog", s.Caption);
        Assert.Equal(temp.File("x.png"), s.Image.Name);
    }

    [Fact]
    public void ColumnsChosenByIndexWithoutHeader()
    {
        using var temp = new TempFolder();
        DataFiles.WritePng(temp.Path, "x.png");
        DataFiles.WriteText(temp.Path, "t.csv", "a red ball,x.png\n");

        CaptionDataset set = CsvCaptionSource.Load(
            temp.File("t.csv"), new CsvSourceOptions { HasHeader = false, ImageColumn = "1", CaptionColumn = "0" });

        Assert.Equal("a red ball", Assert.Single(set.Samples).Caption);
    }

    [Fact]
    public void EmptyCaptionsAreSkippedAndReportedWithTheirRow()
    {
        using var temp = new TempFolder();
        DataFiles.WritePng(temp.Path, "x.png");
        DataFiles.WriteText(temp.Path, "t.csv", "image,caption\nx.png,\"  \"\nx.png,fine\n,no image\n");

        CaptionDataset set = CsvCaptionSource.Load(temp.File("t.csv"));

        Assert.Equal("fine", Assert.Single(set.Samples).Caption);
        Assert.Equal(2, set.Skipped.Count);
        Assert.Equal(("t.csv:2", "empty caption"), (set.Skipped[0].Key, set.Skipped[0].Reason));
        Assert.Equal(("t.csv:4", "no image path"), (set.Skipped[1].Key, set.Skipped[1].Reason));
    }

    [Fact]
    public void MissingColumnAndUnclosedQuoteNameTheFile()
    {
        using var temp = new TempFolder();
        DataFiles.WriteText(temp.Path, "nocap.csv", "image,label\nx.png,cat\n");
        DataFiles.WriteText(temp.Path, "open.csv", "image,caption\nx.png,\"never closed\n");

        var e1 = Assert.Throws<InvalidDataException>(() => CsvCaptionSource.Load(temp.File("nocap.csv")));
        Assert.Contains("nocap.csv", e1.Message, StringComparison.Ordinal);
        Assert.Contains("caption column", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<InvalidDataException>(() => CsvCaptionSource.Load(temp.File("open.csv")));
        Assert.Contains("line 2", e2.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => CsvCaptionSource.Load(temp.File("absent.csv")));
    }
}

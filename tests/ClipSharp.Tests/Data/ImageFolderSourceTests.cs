using ClipSharp.Data;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Data;

public sealed class ImageFolderSourceTests
{
    [Fact]
    public void SidecarCaptionsPairWithTheirImagesInKeyOrder()
    {
        using var temp = new TempFolder();
        DataFiles.WritePng(temp.Path, "cat.png");
        DataFiles.WriteText(temp.Path, "cat.txt", "  a cat on a mat\n");
        DataFiles.WritePng(temp.Path, "sub/dog.png");
        DataFiles.WriteText(temp.Path, "sub/dog.txt", "a dog");
        DataFiles.WritePng(temp.Path, "alone.png");
        DataFiles.WritePng(temp.Path, "blank.png");
        DataFiles.WriteText(temp.Path, "blank.txt", " \n ");
        DataFiles.WriteText(temp.Path, "notes.txt", "not a caption of anything");

        CaptionDataset set = ImageFolderSource.Load(temp.Path);

        Assert.Equal(["cat.png", "sub/dog.png"], set.Samples.Select(s => s.Key));
        Assert.Equal(["a cat on a mat", "a dog"], set.Samples.Select(s => s.Caption));
        Assert.Equal(["alone.png", "blank.png"], set.Skipped.Select(s => s.Key));
        Assert.StartsWith("no caption file", set.Skipped[0].Reason, StringComparison.Ordinal);
        Assert.Equal("empty caption", set.Skipped[1].Reason);
        Assert.Equal(12, set.Samples[1].Image.Decode().Width);
    }

    [Fact]
    public void OpenRecognisesAFolderAndAFolderWithoutImagesIsAnError()
    {
        using var temp = new TempFolder();
        DataFiles.WriteText(temp.Path, "a.txt", "text only");
        var e = Assert.Throws<InvalidDataException>(() => CaptionDataset.Open(temp.Path));
        Assert.Contains("no images", e.Message, StringComparison.Ordinal);

        DataFiles.WritePng(temp.Path, "a.png");
        Assert.Equal("a.png", Assert.Single(CaptionDataset.Open(temp.Path).Samples).Key);
    }
}

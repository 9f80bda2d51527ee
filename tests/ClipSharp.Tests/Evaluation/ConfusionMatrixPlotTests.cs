using ClipSharp.Evaluation;
using ClipSharp.Imaging;

namespace ClipSharp.Tests.Evaluation;

public sealed class ConfusionMatrixPlotTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-confusion-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void DrawsADecodablePng()
    {
        string path = Path.Combine(_temp.FullName, "c.png");
        ConfusionMatrixPlot.Save(path, ["red", "blue"], new[,] { { 3, 1 }, { 0, 4 } });
        DecodedImage image = ImageDecoder.Decode(path);
        Assert.True(image.Width > 50 && image.Height > 50);
        Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Save(path, ["a"], new int[2, 2]));
    }
}

using ClipSharp.Imaging;

namespace ClipSharp.Tests.Imaging;

public sealed class ClipResizeGeometryTests
{
    [Theory]
    [InlineData(640, 480, 224, 298, 224)]
    [InlineData(300, 800, 224, 224, 597)]
    [InlineData(224, 224, 224, 224, 224)]
    [InlineData(100, 50, 224, 448, 224)]
    [InlineData(1920, 1080, 224, 398, 224)]
    [InlineData(333, 250, 32, 42, 32)]
    [InlineData(1, 3000, 224, 224, 672000)]
    public void ResizedSize_ShortSideToN_LongSideTruncated(int w, int h, int n, int ew, int eh) =>
        Assert.Equal((ew, eh), ClipResizeGeometry.ResizedSize(w, h, n));

    [Theory]
    [InlineData(597, 224, 186)] // 186.5 rounds to even
    [InlineData(599, 224, 188)] // 187.5 rounds to even
    [InlineData(298, 224, 37)]
    [InlineData(448, 224, 112)]
    [InlineData(225, 224, 0)]   // 0.5 rounds to even
    [InlineData(227, 224, 2)]   // 1.5 rounds to even
    [InlineData(224, 224, 0)]
    public void CenterCropOffset_RoundsHalfToEven(int size, int n, int expected) =>
        Assert.Equal(expected, ClipResizeGeometry.CenterCropOffset(size, n));

    [Fact]
    public void ResizedSize_RejectsEmptySizes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipResizeGeometry.ResizedSize(0, 10, 224));
}

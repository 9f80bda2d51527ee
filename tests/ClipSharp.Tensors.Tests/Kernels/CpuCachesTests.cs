using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class CpuCachesTests
{
    [Theory]
    [InlineData("1024K\n", 1L << 20)]
    [InlineData("2M", 2L << 20)]
    [InlineData("524288", 524288L)]
    [InlineData(" 512K ", 512L << 10)]
    public void SysfsSizesParse(string text, long bytes) => Assert.Equal(bytes, CpuCaches.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-1K")]
    [InlineData("0")]
    [InlineData("12G")]
    [InlineData("99999999999999M")]
    public void OtherTextIsNoSize(string text) => Assert.Null(CpuCaches.ParseSize(text));

    [Fact]
    public void TheL2SizeIsPositive() => Assert.True(CpuCaches.L2Bytes > 0);

    [Theory]
    [InlineData(1L << 20, 256)]
    [InlineData(512L << 10, 128)]
    [InlineData(256L << 10, 128)]
    [InlineData(2L << 20, 512)]
    [InlineData(32L << 20, 512)]
    [InlineData(1_250_000L, 304)]
    public void TheAvx2BlockTakesHalfTheL2InWholePanels(long l2, int columns)
    {
        Assert.Equal(columns, GemmMicroKernelAvx2.BlockColumns(l2));
        Assert.Equal(0, columns % GemmMicroKernelAvx2.Nr);
    }
}

using ClipSharp.Imaging;

namespace ClipSharp.Tests.Imaging;

public sealed class PillowResampleTests
{
    private static byte[] RandomImage(int width, int height, int channels, int seed)
    {
        var bytes = new byte[width * height * channels];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SameSize_IsAnExactCopy(int channels)
    {
        byte[] src = RandomImage(17, 9, channels, seed: channels);

        Assert.Equal(src, PillowResample.Bicubic(src, 17, 9, channels, 17, 9));
        Assert.Equal(src, PillowResample.Nearest(src, 17, 9, channels, 17, 9));
    }

    [Theory]
    [InlineData(40, 30, 7, 5)]      // shrink both
    [InlineData(5, 4, 31, 17)]      // enlarge both
    [InlineData(300, 2, 224, 9)]    // shrink one axis, enlarge the other
    [InlineData(1, 1, 6, 3)]        // one pixel
    [InlineData(9, 1, 4, 1)]        // one row
    [InlineData(1, 9, 1, 20)]       // one column
    [InlineData(2000, 3, 5, 1)]     // extreme aspect, extreme shrink
    public void ConstantImage_StaysConstant(int w, int h, int dw, int dh)
    {
        foreach (byte value in new byte[] { 0, 1, 77, 128, 254, 255 })
        {
            byte[] src = Enumerable.Repeat(value, w * h * 3).ToArray();

            byte[] bicubic = PillowResample.Bicubic(src, w, h, 3, dw, dh);
            byte[] nearest = PillowResample.Nearest(src, w, h, 3, dw, dh);

            Assert.All(bicubic, b => Assert.Equal(value, b));
            Assert.All(nearest, b => Assert.Equal(value, b));
        }
    }

    [Theory]
    [InlineData(37, 1, 11, 1)]
    [InlineData(11, 1, 37, 1)]
    [InlineData(1, 50, 1, 13)]
    [InlineData(1, 13, 1, 50)]
    public void OneAxis_AgreesWithDoublePrecisionConvolution(int w, int h, int dw, int dh)
    {
        byte[] src = RandomImage(w, h, 1, seed: 11);

        byte[] actual = PillowResample.Bicubic(src, w, h, 1, dw, dh);

        // The same kernel and taps evaluated in double with no fixed point: only the final rounding may differ.
        bool horizontal = w != dw;
        int inSize = horizontal ? w : h, outSize = horizontal ? dw : dh;
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0), support = 2.0 * filterScale;
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale, sum = 0, weighted = 0;
            for (int i = 0; i < inSize; i++)
            {
                double distance = Math.Abs(i + 0.5 - center);
                if (distance >= support)
                {
                    continue;
                }

                double weight = KeysCubic(distance / filterScale);
                sum += weight;
                weighted += weight * src[i];
            }

            double expected = Math.Clamp(weighted / sum, 0, 255);
            Assert.True(Math.Abs(actual[o] - expected) <= 1.0, $"output {o}: {actual[o]} vs {expected:F3}");
        }
    }

    [Fact]
    public void HalvingFourSamples_GivesThePillowFixedPointValues()
    {
        // 4 -> 2: support 4, taps at distance 0.25, 0.25, 0.75, 1.25 (scaled) with weights normalised by their sum
        // 1.890625, in 2^-22 fixed point: k = [1923834, 1923834, 502623, -155987] (rounded half away from zero).
        byte[] src = [0, 0, 255, 255];

        byte[] actual = PillowResample.Bicubic(src, 4, 1, 1, 2, 1);

        long k0 = 1923834, k2 = 502623, k3 = -155987;
        int first = (int)(((255 * k2) + (255 * k3) + (1 << 21)) >> 22);
        int second = (int)(((255 * k0) + (255 * k0) + (1 << 21)) >> 22);
        Assert.Equal(new[] { (byte)first, (byte)second }, actual);
        Assert.Equal(new byte[] { 21, 234 }, actual);

        var taps = ResampleCoefficients.Bicubic(4, 2);
        Assert.Equal(9, taps.Taps); // ceil(support 4) * 2 + 1
        Assert.Equal(new[] { 0, 0 }, taps.First);
        Assert.Equal(new[] { 4, 4 }, taps.Count);
        Assert.Equal(new[] { 1923834, 1923834, 502623, -155987 }, taps.Weights.AsSpan(0, 4).ToArray());
        Assert.Equal(new[] { -155987, 502623, 1923834, 1923834 }, taps.Weights.AsSpan(9, 4).ToArray());
    }

    [Fact]
    public void Nearest_UsesPillowSourceCoordinates()
    {
        // step = in/out; source index = floor((i + 0.5) * step).
        Assert.Equal(new byte[] { 10, 10, 20, 20 }, PillowResample.Nearest([10, 20], 2, 1, 1, 4, 1));
        Assert.Equal(new byte[] { 10, 30 }, PillowResample.Nearest([10, 20, 30], 3, 1, 1, 2, 1));
        Assert.Equal(new byte[] { 10, 20, 30, 30, 40 }, PillowResample.Nearest([10, 20, 30, 40], 4, 1, 1, 5, 1));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Window_MatchesTheSameRegionOfTheFullResize(int channels)
    {
        byte[] src = RandomImage(61, 43, channels, seed: 5);
        const int dw = 87, dh = 29;
        byte[] full = PillowResample.Bicubic(src, 61, 43, channels, dw, dh);
        byte[] fullNearest = PillowResample.Nearest(src, 61, 43, channels, dw, dh);
        var window = new ResizeWindow(Left: 13, Top: 4, Width: 29, Height: 21);
        var crop = new byte[29 * 21 * channels];
        var cropNearest = new byte[crop.Length];

        PillowResample.Bicubic(src, 61, 43, channels, dw, dh, window, crop);
        PillowResample.Nearest(src, 61, 43, channels, dw, dh, window, cropNearest);

        for (int y = 0; y < window.Height; y++)
        {
            int from = (((window.Top + y) * dw) + window.Left) * channels;
            Assert.Equal(full.AsSpan(from, window.Width * channels), crop.AsSpan(y * window.Width * channels, window.Width * channels));
            Assert.Equal(fullNearest.AsSpan(from, window.Width * channels), cropNearest.AsSpan(y * window.Width * channels, window.Width * channels));
        }
    }

    [Fact]
    public void BadArguments_AreRejectedWithTheirSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => PillowResample.Bicubic(new byte[10], 4, 4, 1, 2, 2));
        Assert.Contains("16 bytes", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PillowResample.Bicubic(new byte[16], 4, 4, 1, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => PillowResample.Bicubic(new byte[80], 4, 4, 5, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => PillowResample.Bicubic(new byte[16], 4, 4, 1, 2, 2, new ResizeWindow(1, 0, 2, 2), new byte[4]));
    }

    [Fact]
    public void Premultiply_RoundTrip_FollowsPillowRounding()
    {
        byte[] pixels = [200, 100, 50, 128, 255, 255, 255, 0, 10, 20, 30, 255, 255, 0, 0, 1];

        PillowAlpha.Premultiply(pixels, 4);
        Assert.Equal(new byte[] { 100, 50, 25, 128, 0, 0, 0, 0, 10, 20, 30, 255, 1, 0, 0, 1 }, pixels);

        PillowAlpha.Unpremultiply(pixels, 4);
        Assert.Equal(new byte[] { 199, 99, 49, 128, 0, 0, 0, 0, 10, 20, 30, 255, 255, 0, 0, 1 }, pixels);
    }

    private static double KeysCubic(double x)
    {
        x = Math.Abs(x);
        return x < 1 ? (((1.5 * x) - 2.5) * x * x) + 1 : x < 2 ? (((((x - 5) * x) + 8) * x) - 4) * -0.5 : 0;
    }
}

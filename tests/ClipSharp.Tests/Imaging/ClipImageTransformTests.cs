using ClipSharp.Imaging;

namespace ClipSharp.Tests.Imaging;

public sealed class ClipImageTransformTests
{
    private static float Normalized(byte v, int channel) =>
        ((v / 255f) - ClipImageTransform.ClipMean[channel]) / ClipImageTransform.ClipStd[channel];

    [Fact]
    public void GrayImage_ReplicatesToThreeChannels_WithTheExactNormalisation()
    {
        var image = new DecodedImage(50, 40, PixelMode.L, Enumerable.Repeat((byte)77, 50 * 40).ToArray());

        float[] x = new ClipImageTransform(16).Apply(image);

        for (int c = 0; c < 3; c++)
        {
            Assert.All(x.AsSpan(c * 256, 256).ToArray(), v => Assert.Equal(Normalized(77, c), v));
        }
    }

    [Fact]
    public void Alpha_IsDroppedAfterAPremultipliedResize()
    {
        // Left half: transparent with garbage magenta; right half: opaque green. The premultiplied resize
        // turns the transparent half black instead of letting magenta bleed into it.
        const int w = 64, h = 32;
        var rgba = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = ((y * w) + x) * 4;
                byte[] pixel = x < w / 2 ? [255, 0, 255, 0] : [0, 200, 0, 255];
                pixel.CopyTo(rgba, i);
            }
        }

        byte[] crop = new ClipImageTransform(16).ResizeCropToRgb(new DecodedImage(w, h, PixelMode.RGBA, rgba));

        // 64x32 -> 32x16, crop columns 8..23: first columns fully transparent, last fully green.
        Assert.Equal(new byte[] { 0, 0, 0 }, crop[..3]);
        Assert.Equal(new byte[] { 0, 200, 0 }, crop[(15 * 3)..(16 * 3)]);
    }

    [Fact]
    public void Palette_IsResizedWithNearest_SoNoColoursAreMixed()
    {
        byte[] redBlue = [255, 0, 0, 255, 0, 0, 255, 255];

        byte[] crop = new ClipImageTransform(4).ResizeCropToRgb(new DecodedImage(2, 1, PixelMode.P, redBlue));

        // 2x1 -> 8x4, crop left 2: two red columns then two blue ones, in every row.
        byte[] row = [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255];
        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(row, crop[(y * 12)..((y + 1) * 12)]);
        }
    }

    [Theory]
    [InlineData(3000, 1)]
    [InlineData(1, 2000)]
    [InlineData(1, 1)]
    public void ExtremeAspectRatios_GiveTheConstantOfAConstantImage(int w, int h)
    {
        var image = new DecodedImage(w, h, PixelMode.RGB, Enumerable.Repeat((byte)200, w * h * 3).ToArray());

        float[] x = ClipImageTransform.Default224.Apply(image);

        for (int c = 0; c < 3; c++)
        {
            Assert.All(x.AsSpan(c * 224 * 224, 224 * 224).ToArray(), v => Assert.Equal(Normalized(200, c), v));
        }
    }

    [Fact]
    public void SpanOverload_MatchesTheArrayOverload()
    {
        var pixels = new byte[30 * 20 * 3];
        new Random(1).NextBytes(pixels);
        var image = new DecodedImage(30, 20, PixelMode.RGB, pixels);
        var transform = new ClipImageTransform(8);
        var destination = new float[3 * 8 * 8];

        transform.Apply(image, destination);

        Assert.Equal(transform.Apply(image), destination);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        var image = new DecodedImage(4, 4, PixelMode.L, new byte[16]);

        Assert.Throws<ArgumentException>(() => new ClipImageTransform(8).Apply(image, new float[10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClipImageTransform(0));
        Assert.Throws<ArgumentException>(() => new ClipImageTransform(8, std: [1f, 0f, 1f]));
        Assert.Throws<ArgumentException>(() => new ClipImageTransform(8, mean: [0.5f]));
        Assert.Throws<ArgumentException>(() => new DecodedImage(4, 4, PixelMode.RGB, new byte[16]));
    }
}

using ClipSharp.Imaging;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Imaging;

public sealed class ImageFitTests
{
    [Theory]
    [InlineData("photo_q90_640x480.jpg", 320, 320, 240)]
    [InlineData("tall_300x800.png", 100, 38, 100)]
    [InlineData("palette_160x120.png", 80, 80, 60)]
    [InlineData("small_100x50.png", 3, 3, 2)]
    [InlineData("small_100x50.png", 1, 1, 1)]
    public void TheLongerSideFitsAndTheAspectIsKept(string name, int size, int width, int height)
    {
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", name));
        DecodedImage fitted = ImageFit.Within(image, size);
        Assert.Equal((width, height, PixelMode.RGB), (fitted.Width, fitted.Height, fitted.Mode));

        // Pillow's bicubic resize of the RGB pixels, byte for byte.
        Assert.Equal(PillowResample.Bicubic(image.ToRgb(), image.Width, image.Height, 3, width, height), fitted.Pixels.ToArray());
    }

    [Fact]
    public void AnImageThatFitsIsNeverEnlarged()
    {
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "small_100x50.png"));
        Assert.Same(image, ImageFit.Within(image, 100));
        Assert.Same(image, ImageFit.Within(image, 4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFit.Within(image, 0));
    }
}

using ClipSharp.Imaging;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Imaging;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "clipsharp-imaging-" + Guid.NewGuid().ToString("N"));

    public ImageDecoderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteFile(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void MissingFile_NamesThePath()
    {
        string path = Path.Combine(_folder, "no-such-image.png");

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void AFolder_IsReportedAsAFolder()
    {
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(_folder));

        Assert.Contains(_folder, e.Message);
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public void EmptyFile_IsReportedAsEmpty()
    {
        string path = WriteFile("empty.png", []);

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Theory]
    [InlineData(40)]     // inside the first IDAT
    [InlineData(0.5)]    // halfway through the data
    [InlineData(0.95)]   // just before the end
    public void TruncatedPng_IsReportedAsTruncatedOrCorrupt(double keep)
    {
        byte[] full = File.ReadAllBytes(Fixtures.GoldenPath("preprocess", "square_224x224.png"));
        int length = keep > 1 ? (int)keep : (int)(full.Length * keep);
        string path = WriteFile("truncated.png", full[..length]);

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message);
        Assert.Matches("truncated|corrupt", e.Message);
    }

    [Fact]
    public void TruncatedHeader_IsReportedAsTruncated()
    {
        byte[] full = File.ReadAllBytes(Fixtures.GoldenPath("preprocess", "square_224x224.png"));

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(full.AsSpan(0, 20), "head.png"));

        Assert.Contains("'head.png'", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void CorruptPixelData_IsRejected()
    {
        byte[] bytes = File.ReadAllBytes(Fixtures.GoldenPath("preprocess", "square_224x224.png"));
        var random = new Random(3);
        for (int i = 200; i < bytes.Length - 20; i += 97)
        {
            bytes[i] = (byte)random.Next(256);
        }

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bytes, "scrambled.png"));

        Assert.Contains("'scrambled.png'", e.Message);
    }

    [Fact]
    public void RandomBytes_AreAnUnknownFormat()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        string path = WriteFile("noise.jpg", bytes);

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("unrecognised format", e.Message);
    }

    [Fact]
    public void TextFileRenamedPng_IsAnUnknownFormat()
    {
        string path = WriteFile("notes.png", "a photo of a cat\nnot really a picture\n"u8.ToArray());

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("unrecognised format", e.Message);
    }

    [Fact]
    public void DecompressionBomb_IsRejectedFromTheHeaderAlone()
    {
        // 10^10 declared pixels (40 GB as RGBA) in a 57-byte file: only the header check can stop it.
        string path = WriteFile("bomb.png", TestImageFiles.PngHeaderOnly(100_000, 100_000));

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("100000 x 100000", e.Message);
        Assert.Contains("178,956,970", e.Message);
        Assert.Contains("decompression bomb", e.Message);
        Assert.Equal(100_000L * 100_000, ImageDecoder.Peek(path).PixelCount);
    }

    [Fact]
    public void PixelLimit_IsConfigurable()
    {
        string path = Fixtures.GoldenPath("preprocess", "small_100x50.png");

        Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path, new ImageDecodeOptions { MaxPixels = 4999 }));
        Assert.Equal(100, ImageDecoder.Decode(path, new ImageDecodeOptions { MaxPixels = 5000 }).Width);
    }

    [Fact]
    public void PathAndBytes_DecodeTheSame()
    {
        string path = Fixtures.GoldenPath("preprocess", "rgba_256x192.png");

        DecodedImage fromPath = ImageDecoder.Decode(path);
        DecodedImage fromBytes = ImageDecoder.Decode(File.ReadAllBytes(path), "rgba.png");

        Assert.Equal(PixelMode.RGBA, fromPath.Mode);
        Assert.True(fromPath.Pixels.SequenceEqual(fromBytes.Pixels));
    }

    [Fact]
    public void Gif_DecodesTheFirstFrame_AsPalette()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
        byte[] gif = TestImageFiles.Gif(2, 2, palette, [0, 1, 2, 3], [3, 3, 3, 3]);

        DecodedImage image = ImageDecoder.Decode(gif, "two-frames.gif");

        Assert.Equal(PixelMode.P, image.Mode);
        Assert.Equal(new byte[] { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255 }, image.Pixels.ToArray());
    }

    [Fact]
    public void Gif_TransparentIndex_KeepsItsPaletteColour()
    {
        // Pillow's convert("RGB") of a "P" image looks up the palette colour even for the transparent index.
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
        byte[] gif = TestImageFiles.Gif(2, 2, palette, transparentIndex: 1, [0, 1, 2, 1]);

        DecodedImage image = ImageDecoder.Decode(gif, "transparent.gif");

        Assert.Equal(PixelMode.P, image.Mode);
        Assert.Equal(new byte[] { 255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 255, 0, 255, 0, 0 }, image.Pixels.ToArray());
    }

    [Fact]
    public void PngPalette_TransparentEntry_KeepsItsColour()
    {
        byte[] png = TestImageFiles.Png(2, 1, 8, 3, [0, 1], [9, 8, 7, 6, 5, 4], transparency: [0]);

        DecodedImage image = ImageDecoder.Decode(png, "trns.png");

        Assert.Equal(PixelMode.P, image.Mode);
        Assert.Equal(new byte[] { 9, 8, 7, 0, 6, 5, 4, 255 }, image.Pixels.ToArray());
    }

    [Fact]
    public void Gif_WithGrayRampPalette_IsL()
    {
        byte[] palette = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
        byte[] gif = TestImageFiles.Gif(2, 1, palette, [3, 1]);

        DecodedImage image = ImageDecoder.Decode(gif, "ramp.gif");

        Assert.Equal(PixelMode.L, image.Mode);
        Assert.Equal(new byte[] { 3, 1 }, image.Pixels.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WebP_Lossless_DecodesExactly(bool withAlpha)
    {
        const int w = 7, h = 5;
        var rgba = new byte[w * h * 4];
        new Random(9).NextBytes(rgba);
        for (int i = 3; i < rgba.Length; i += 4)
        {
            rgba[i] = withAlpha ? (byte)(i % 251) : (byte)255;
        }

        byte[] webp = TestImageFiles.WebPLossless(rgba, w, h);

        DecodedImage image = ImageDecoder.Decode(webp, "sample.webp");

        Assert.Equal(withAlpha ? PixelMode.RGBA : PixelMode.RGB, image.Mode);
        Assert.Equal((w, h), (image.Width, image.Height));
        byte[] expected = withAlpha ? rgba : DropAlpha(rgba);
        if (withAlpha)
        {
            // Lossless WebP may change the colour of fully transparent pixels; compare the visible ones.
            for (int i = 0; i < rgba.Length; i += 4)
            {
                if (rgba[i + 3] != 0)
                {
                    Assert.Equal(expected.AsSpan(i, 4).ToArray(), image.Pixels.Slice(i, 4).ToArray());
                }
            }
        }
        else
        {
            Assert.Equal(expected, image.Pixels.ToArray());
        }
    }

    [Fact]
    public void Bmp_24Bit_IsRgb()
    {
        byte[] bgrRows = [0, 0, 255, 0, 255, 0, 255, 0, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90];
        byte[] bmp = TestImageFiles.Bmp(3, 2, 24, bgrRows);

        DecodedImage image = ImageDecoder.Decode(bmp, "rgb.bmp");

        Assert.Equal(PixelMode.RGB, image.Mode);
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 30, 20, 10, 60, 50, 40, 90, 80, 70 }, image.Pixels.ToArray());
    }

    [Fact]
    public void Bmp_8BitPalette_IsPOrLLikePillow()
    {
        var colourPalette = new byte[4 * 4];
        var grayPalette = new byte[4 * 4];
        for (int i = 0; i < 4; i++)
        {
            colourPalette[(4 * i) + 2] = (byte)(60 * i); // red ramp (BGRA order)
            grayPalette[4 * i] = grayPalette[(4 * i) + 1] = grayPalette[(4 * i) + 2] = (byte)i;
        }

        byte[] indices = [0, 1, 2, 3, 3, 2, 1, 0];

        DecodedImage colour = ImageDecoder.Decode(TestImageFiles.Bmp(4, 2, 8, indices, colourPalette), "p.bmp");
        DecodedImage gray = ImageDecoder.Decode(TestImageFiles.Bmp(4, 2, 8, indices, grayPalette), "l.bmp");

        Assert.Equal(PixelMode.P, colour.Mode);
        Assert.Equal(new byte[] { 0, 0, 0, 255, 60, 0, 0, 255, 120, 0, 0, 255, 180, 0, 0, 255 }, colour.Pixels[..16].ToArray());
        Assert.Equal(PixelMode.L, gray.Mode);
        Assert.Equal(indices, gray.Pixels.ToArray());
    }

    [Fact]
    public void Png_ModesFollowTheColourType()
    {
        byte[] la = TestImageFiles.Png(2, 1, 8, 4, [10, 255, 200, 0]);
        byte[] bilevel = TestImageFiles.Png(3, 1, 1, 0, [0b1010_0000]);
        byte[] gray4 = TestImageFiles.Png(2, 1, 4, 0, [0x0F]);
        byte[] palette = TestImageFiles.Png(2, 1, 8, 3, [1, 0], [9, 8, 7, 6, 5, 4]);

        DecodedImage laImage = ImageDecoder.Decode(la, "la.png");
        DecodedImage bilevelImage = ImageDecoder.Decode(bilevel, "bilevel.png");
        DecodedImage gray4Image = ImageDecoder.Decode(gray4, "gray4.png");
        DecodedImage paletteImage = ImageDecoder.Decode(palette, "palette.png");

        AssertImage(PixelMode.LA, new byte[] { 10, 255, 200, 0 }, laImage);
        AssertImage(PixelMode.Bilevel, new byte[] { 255, 0, 255 }, bilevelImage);
        AssertImage(PixelMode.L, new byte[] { 0, 255 }, gray4Image);
        AssertImage(PixelMode.P, new byte[] { 6, 5, 4, 255, 9, 8, 7, 255 }, paletteImage);
    }

    [Fact]
    public void Peek_ReadsHeadersOfEveryFormat()
    {
        Assert.Equal(new ImageInfo(ImageFileFormat.Jpeg, 640, 480, PixelMode.RGB), ImageDecoder.Peek(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg")));
        Assert.Equal(new ImageInfo(ImageFileFormat.Png, 160, 120, PixelMode.P), ImageDecoder.Peek(Fixtures.GoldenPath("preprocess", "palette_160x120.png")));
        Assert.Equal(ImageFileFormat.Gif, ImageDecoder.Peek(TestImageFiles.Gif(2, 1, new byte[12], [0, 0]), "x.gif").Format);
        Assert.Equal(ImageFileFormat.Bmp, ImageDecoder.Peek(TestImageFiles.Bmp(1, 1, 24, [1, 2, 3]), "x.bmp").Format);
        Assert.Equal(ImageFileFormat.WebP, ImageDecoder.Peek(TestImageFiles.WebPLossless(new byte[16], 2, 2), "x.webp").Format);
    }

    private static void AssertImage(PixelMode mode, byte[] pixels, DecodedImage image)
    {
        Assert.Equal(mode, image.Mode);
        Assert.Equal(pixels, image.Pixels.ToArray());
    }

    private static byte[] DropAlpha(byte[] rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        for (int i = 0, o = 0; i < rgba.Length; i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }

        return rgb;
    }
}

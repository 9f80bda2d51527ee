using System.Buffers.Binary;
using ClipSharp.Imaging;
using ClipSharp.Testing.Fuzzing;
using ClipSharp.Tests.IO;
using SkiaSharp;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Mutated PNG, JPEG, WebP, GIF and BMP files through the header reader, Skia and the pixel limit: each either decodes
/// or raises <see cref="ImageDecodeException"/> naming the file, within a time limit, allocating no more than copies
/// of the input and the pixels its header declares (which the limit caps).
/// </summary>
public sealed class FuzzImageDecoderTests(ITestOutputHelper output)
{
    // Small, so that a mutated size field meets the limit rather than a slow decode.
    private static readonly ImageDecodeOptions s_options = new() { MaxPixels = 1 << 20 };

    // Copies of the input (the file read, the header buffer); RGBA plus the mode's samples per declared pixel.
    private const long AllocationPerInputByte = 4;
    private const long AllocationPerPixel = 8;
    private const long AllocationSlack = 256 * 1024;

    private static readonly byte[][] s_markers =
    [
        "IHDR"u8.ToArray(), "PLTE"u8.ToArray(), "IDAT"u8.ToArray(), "IEND"u8.ToArray(), "tRNS"u8.ToArray(),
        [0xFF, 0xD8, 0xFF], [0xFF, 0xC0, 0x00, 0x11], [0xFF, 0xC4], [0xFF, 0xDA], [0xFF, 0xD9], [0xFF, 0xE1, 0xFF, 0xFF],
        [0x21, 0xF9, 0x04, 0x01], [0x2C], [0x3B], [0x21, 0xFF, 0x0B],
        "RIFF"u8.ToArray(), "WEBP"u8.ToArray(), "VP8X"u8.ToArray(), "VP8L"u8.ToArray(), "VP8 "u8.ToArray(), "ALPH"u8.ToArray(),
        "BM"u8.ToArray(), [0x28, 0, 0, 0], [0x0C, 0, 0, 0],
    ];

    [Fact]
    public void MutatedImagesDecodeOrRaiseTheDecodeError()
    {
        byte[][] seeds = Seeds();
        var mutator = new Mutator(6000, hotPrefix: 96, tokens: s_markers);
        var run = new FuzzRun("image decoder", output, typeof(ImageDecodeException));
        using var folder = new TempFolder();
        for (int i = 0; i < 4000; i++)
        {
            (MutationKind kind, byte[] bytes) = mutator.Next(seeds, i);
            if (i % 2 == 0)
            {
                FixPngHeaderCrc(bytes); // else libpng stops most IHDR mutations at the checksum
            }

            // One case in eight through a file, where the header is read in growing pieces before the rest.
            string name = i % 8 == 0 ? folder.File($"case-{i}.img") : $"case-{i}.img";
            if (i % 8 == 0)
            {
                File.WriteAllBytes(name, bytes);
            }

            run.Case($"case {i}", name, Bound(bytes), () => Decode(bytes, name, i % 8 == 0), kind.ToString(), bytes);
        }

        run.Finish();
        Assert.True(run.Refused > run.Cases / 4, "most mutations must be detected");
    }

    [Fact]
    public void EveryHeaderNumberAtAnExtremeIsRefusedOrDecodedWithinThePixelLimit()
    {
        // Each 2- and 4-byte number of the first 64 bytes, either byte order, set to values around the size limits.
        var run = new FuzzRun("image headers", output, typeof(ImageDecodeException));
        uint[] values = [0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF, 0x4000, 0];
        foreach (byte[] seed in Seeds())
        {
            for (int at = 0; at < Math.Min(64, seed.Length - 4); at++)
            {
                foreach (uint value in values)
                {
                    foreach (int layout in (int[])[0, 1, 2, 3])
                    {
                        byte[] bytes = (byte[])seed.Clone();
                        Write(bytes.AsSpan(at), value, layout);
                        FixPngHeaderCrc(bytes);
                        string name = $"header-{at}-{value:X}-{layout}.img";
                        run.Case(name, name, Bound(bytes), () => Decode(bytes, name, fromFile: false), input: bytes);
                    }
                }
            }
        }

        run.Finish();
    }

    [Fact]
    public void ABitmapHeaderSizeNearTheIntegerLimitIsAFormatError()
    {
        // Found by the fuzzer: the palette offset (14 + header size) overflowed and sliced out of range.
        byte[] bmp = TestImageFiles.Bmp(2, 2, 8, new byte[4], new byte[4 * 256]);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), int.MaxValue);

        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bmp, "huge-header.bmp"));
        Assert.Equal("huge-header.bmp", e.Name);
    }

    private static void Decode(byte[] bytes, string name, bool fromFile)
    {
        if (fromFile)
        {
            ImageDecoder.Peek(name);
            ImageDecoder.Decode(name, s_options);
        }
        else
        {
            ImageDecoder.Peek(bytes, name);
            ImageDecoder.Decode(bytes, name, s_options);
        }
    }

    /// <summary>The most a case may allocate: copies of the input, and the pixels its header declares up to the limit.</summary>
    private static long Bound(byte[] bytes)
    {
        long pixels;
        try
        {
            pixels = bytes.Length == 0 ? 0 : Math.Min(ImageDecoder.Peek(bytes, "bound").PixelCount, s_options.MaxPixels);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            pixels = 0; // the case itself judges what the header reader threw
        }

        return AllocationSlack + (AllocationPerInputByte * bytes.Length) + (AllocationPerPixel * pixels);
    }

    private static void FixPngHeaderCrc(byte[] bytes)
    {
        if (bytes.Length >= 33 && ImageHeaderReader.Sniff(bytes) == ImageFileFormat.Png && bytes.AsSpan(12, 4).SequenceEqual("IHDR"u8))
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), TestImageFiles.Crc32(bytes.AsSpan(12, 17)));
        }
    }

    private static void Write(Span<byte> at, uint value, int layout)
    {
        switch (layout)
        {
            case 0:
                BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)value);
                break;
            case 1:
                BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)value);
                break;
            case 2:
                BinaryPrimitives.WriteUInt32BigEndian(at, value);
                break;
            default:
                BinaryPrimitives.WriteUInt32LittleEndian(at, value);
                break;
        }
    }

    /// <summary>Small valid files of every format and the modes the header reader tells apart.</summary>
    private static byte[][] Seeds()
    {
        const int w = 24, h = 16;
        var random = new Random(6001);
        var rgba = new byte[w * h * 4];
        random.NextBytes(rgba);
        var opaque = (byte[])rgba.Clone();
        for (int i = 3; i < opaque.Length; i += 4)
        {
            opaque[i] = 255;
        }

        var rgb = new byte[w * h * 3];
        random.NextBytes(rgb);
        var indices = new byte[w * h];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = (byte)(i % 4);
        }

        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9];
        byte[] bgra = new byte[4 * 4];
        random.NextBytes(bgra);
        return
        [
            TestImageFiles.Png(w, h, 8, 2, rgb),
            TestImageFiles.Png(w, h, 8, 6, rgba),
            TestImageFiles.Png(w, h, 8, 3, indices, palette, transparency: [255, 0]),
            TestImageFiles.Png(w, h, 1, 0, new byte[(w / 8) * h]),
            TestImageFiles.Png(w, h, 8, 4, new byte[w * h * 2]),
            TestImageFiles.Lossy(opaque, w, h, SKEncodedImageFormat.Jpeg, 80),
            TestImageFiles.Lossy(rgba, w, h, SKEncodedImageFormat.Webp, 80),
            TestImageFiles.WebPLossless(rgba, w, h),
            TestImageFiles.Gif(w, h, palette, 3, indices, indices),
            TestImageFiles.Bmp(w, h, 24, rgb),
            TestImageFiles.Bmp(w, h, 8, indices, bgra),
            TestImageFiles.Bmp(w, h, 32, rgba),
        ];
    }
}

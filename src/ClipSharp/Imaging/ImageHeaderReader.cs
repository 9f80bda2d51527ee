using System.Buffers.Binary;

namespace ClipSharp.Imaging;

/// <summary>
/// Reads the declared size and the Pillow mode from a file's own headers. Skia expands palettes and gray
/// samples, so the mode the reference would see (which changes the resize) has to come from the file itself;
/// the size is checked against the pixel limit before any decoder allocates.
/// </summary>
internal static class ImageHeaderReader
{
    internal enum Status
    {
        Ok,
        NeedMoreData,
        Malformed,
        UnknownFormat,
    }

    // TransparentColour, GIF only: the RGB palette entry of frame 0's transparent index. Skia decodes that index
    // as transparent black, while Pillow's convert("RGB") shows the palette colour, so the decoder restores it.
    internal readonly record struct Result(Status Status, ImageInfo? Info, string Problem, byte[]? TransparentColour = null)
    {
        public static Result Ok(ImageInfo info, byte[]? transparentColour = null) => new(Status.Ok, info, string.Empty, transparentColour);

        public static Result Malformed(string problem) => new(Status.Malformed, null, problem);

        public static readonly Result NeedMore = new(Status.NeedMoreData, null, "the file ends inside its header (truncated)");
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The format from the signature bytes, or null when they match none of the supported formats.</summary>
    public static ImageFileFormat? Sniff(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature))
        {
            return ImageFileFormat.Png;
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFileFormat.Jpeg;
        }

        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFileFormat.WebP;
        }

        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return ImageFileFormat.Gif;
        }

        if (data.StartsWith("BM"u8))
        {
            return ImageFileFormat.Bmp;
        }

        return null;
    }

    /// <param name="data">the file's first bytes (all of it when <paramref name="complete"/>).</param>
    /// <param name="complete">whether <paramref name="data"/> is the whole file, so running out means truncation.</param>
    public static Result Read(ReadOnlySpan<byte> data, bool complete)
    {
        ImageFileFormat? format = Sniff(data);
        if (format is null)
        {
            return data.Length < 12 && !complete
                ? Result.NeedMore
                : new Result(Status.UnknownFormat, null, "unrecognised format (expected PNG, JPEG, WebP, GIF or BMP)");
        }

        Result r = format switch
        {
            ImageFileFormat.Png => ReadPng(data),
            ImageFileFormat.Jpeg => ReadJpeg(data),
            ImageFileFormat.WebP => ReadWebP(data),
            ImageFileFormat.Gif => ReadGif(data),
            _ => ReadBmp(data),
        };
        if (r.Status == Status.Ok && (r.Info!.Width <= 0 || r.Info.Height <= 0))
        {
            return Result.Malformed($"the header declares an empty size {r.Info.Width} x {r.Info.Height}");
        }

        return r;
    }

    private static Result ReadPng(ReadOnlySpan<byte> d)
    {
        if (d.Length < 29)
        {
            return Result.NeedMore;
        }

        if (!d.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return Result.Malformed("the PNG does not start with an IHDR chunk");
        }

        uint w = BinaryPrimitives.ReadUInt32BigEndian(d[16..]);
        uint h = BinaryPrimitives.ReadUInt32BigEndian(d[20..]);
        byte depth = d[24];
        byte colourType = d[25];
        if (w > int.MaxValue || h > int.MaxValue)
        {
            return Result.Malformed($"the IHDR declares an invalid size {w} x {h}");
        }

        // Pillow's PNG modes: gray 1-bit is "1", gray 2/4/8-bit "L" (16-bit "I", which we decode to 8-bit L),
        // RGB (any depth) "RGB", palette "P", gray+alpha "LA", RGB+alpha "RGBA". tRNS never changes the mode.
        PixelMode? mode = colourType switch
        {
            0 => depth == 1 ? PixelMode.Bilevel : PixelMode.L,
            2 => PixelMode.RGB,
            3 => PixelMode.P,
            4 => PixelMode.LA,
            6 => PixelMode.RGBA,
            _ => null,
        };
        return mode is null
            ? Result.Malformed($"the IHDR declares an invalid colour type {colourType}")
            : Result.Ok(new ImageInfo(ImageFileFormat.Png, (int)w, (int)h, mode.Value));
    }

    private static Result ReadJpeg(ReadOnlySpan<byte> d)
    {
        int p = 2;
        while (true)
        {
            if (p + 4 > d.Length)
            {
                return Result.NeedMore;
            }

            if (d[p] != 0xFF)
            {
                return Result.Malformed($"expected a JPEG marker at byte {p}, found 0x{d[p]:X2}");
            }

            byte marker = d[p + 1];
            if (marker == 0xFF)
            {
                p++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                p += 2;
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                return Result.Malformed("the JPEG has no frame header (SOF) before its scan data");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(d[(p + 2)..]);
            if (length < 2)
            {
                return Result.Malformed($"a JPEG segment at byte {p} declares length {length}");
            }

            bool isFrame = marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC);
            if (isFrame)
            {
                if (p + 10 > d.Length)
                {
                    return Result.NeedMore;
                }

                int h = BinaryPrimitives.ReadUInt16BigEndian(d[(p + 5)..]);
                int w = BinaryPrimitives.ReadUInt16BigEndian(d[(p + 7)..]);
                int components = d[p + 9];

                // One component is Pillow's "L"; three "RGB"; four (CMYK/YCCK) Pillow opens as "CMYK", which
                // Skia converts to RGB, so it is treated as RGB (not bit-exact with the reference).
                PixelMode mode = components == 1 ? PixelMode.L : PixelMode.RGB;
                if (components is not (1 or 3 or 4))
                {
                    return Result.Malformed($"the JPEG frame declares {components} components");
                }

                return Result.Ok(new ImageInfo(ImageFileFormat.Jpeg, w, h, mode));
            }

            p += 2 + length;
        }
    }

    private static Result ReadWebP(ReadOnlySpan<byte> d)
    {
        if (d.Length < 30)
        {
            return Result.NeedMore;
        }

        ReadOnlySpan<byte> fourCc = d.Slice(12, 4);
        ReadOnlySpan<byte> c = d[20..];
        if (fourCc.SequenceEqual("VP8X"u8))
        {
            bool alpha = (c[0] & 0x10) != 0;
            int w = 1 + (c[4] | (c[5] << 8) | (c[6] << 16));
            int h = 1 + (c[7] | (c[8] << 8) | (c[9] << 16));
            return Result.Ok(new ImageInfo(ImageFileFormat.WebP, w, h, alpha ? PixelMode.RGBA : PixelMode.RGB));
        }

        if (fourCc.SequenceEqual("VP8L"u8))
        {
            if (c[0] != 0x2F)
            {
                return Result.Malformed("the lossless WebP bitstream has a wrong signature byte");
            }

            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(c[1..]);
            int w = 1 + (int)(bits & 0x3FFF);
            int h = 1 + (int)((bits >> 14) & 0x3FFF);
            bool alpha = ((bits >> 28) & 1) != 0;
            return Result.Ok(new ImageInfo(ImageFileFormat.WebP, w, h, alpha ? PixelMode.RGBA : PixelMode.RGB));
        }

        if (fourCc.SequenceEqual("VP8 "u8))
        {
            // frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height (2 scale bits each).
            if (c[3] != 0x9D || c[4] != 0x01 || c[5] != 0x2A)
            {
                return Result.Malformed("the lossy WebP bitstream has a wrong start code");
            }

            int w = BinaryPrimitives.ReadUInt16LittleEndian(c[6..]) & 0x3FFF;
            int h = BinaryPrimitives.ReadUInt16LittleEndian(c[8..]) & 0x3FFF;
            return Result.Ok(new ImageInfo(ImageFileFormat.WebP, w, h, PixelMode.RGB));
        }

        return Result.Malformed($"unknown WebP chunk '{System.Text.Encoding.ASCII.GetString(fourCc)}'");
    }

    private static Result ReadGif(ReadOnlySpan<byte> d)
    {
        if (d.Length < 13)
        {
            return Result.NeedMore;
        }

        int w = BinaryPrimitives.ReadUInt16LittleEndian(d[6..]);
        int h = BinaryPrimitives.ReadUInt16LittleEndian(d[8..]);
        byte flags = d[10];
        int p = 13;
        ReadOnlySpan<byte> palette = default;
        if ((flags & 0x80) != 0)
        {
            int size = 3 << ((flags & 7) + 1);
            if (p + size > d.Length)
            {
                return Result.NeedMore;
            }

            palette = d.Slice(p, size);
            p += size;
        }

        // Walk extensions to the first image descriptor: its local colour table, if any, is what frame 0 uses,
        // and the graphic control extension before it names the transparent index.
        int transparentIndex = -1;
        while (true)
        {
            if (p >= d.Length)
            {
                return Result.NeedMore;
            }

            byte b = d[p];
            if (b == 0x21)
            {
                if (p + 7 > d.Length)
                {
                    return Result.NeedMore;
                }

                if (d[p + 1] == 0xF9 && d[p + 2] >= 4)
                {
                    transparentIndex = (d[p + 3] & 1) != 0 ? d[p + 6] : -1;
                }

                p += 2;
                while (true)
                {
                    if (p >= d.Length)
                    {
                        return Result.NeedMore;
                    }

                    int n = d[p];
                    p += 1 + n;
                    if (n == 0)
                    {
                        break;
                    }
                }
            }
            else if (b == 0x2C)
            {
                if (p + 10 > d.Length)
                {
                    return Result.NeedMore;
                }

                byte local = d[p + 9];
                p += 10;
                if ((local & 0x80) != 0)
                {
                    int size = 3 << ((local & 7) + 1);
                    if (p + size > d.Length)
                    {
                        return Result.NeedMore;
                    }

                    palette = d.Slice(p, size);
                }

                break;
            }
            else if (b == 0x3B)
            {
                return Result.Malformed("the GIF has no image frame");
            }
            else
            {
                return Result.Malformed($"unexpected GIF block 0x{b:X2} at byte {p}");
            }
        }

        // Pillow opens a GIF whose colour table is the identity gray ramp (or absent) as "L", otherwise "P".
        PixelMode mode = IsGrayRamp(palette, 3) ? PixelMode.L : PixelMode.P;
        byte[]? transparentColour = transparentIndex >= 0 && (3 * transparentIndex) + 3 <= palette.Length
            ? palette.Slice(3 * transparentIndex, 3).ToArray()
            : null;
        return Result.Ok(new ImageInfo(ImageFileFormat.Gif, w, h, mode), transparentColour);
    }

    private static bool IsGrayRamp(ReadOnlySpan<byte> palette, int stride)
    {
        for (int i = 0; i * stride < palette.Length; i++)
        {
            int o = i * stride;
            if (palette[o] != i || palette[o + 1] != i || palette[o + 2] != i)
            {
                return false;
            }
        }

        return true;
    }

    private static Result ReadBmp(ReadOnlySpan<byte> d)
    {
        if (d.Length < 26)
        {
            return Result.NeedMore;
        }

        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(d[14..]);
        int w, h, bits, paletteStride;
        uint compression = 0;
        uint coloursUsed = 0;
        uint alphaMask = 0;
        if (headerSize == 12)
        {
            w = BinaryPrimitives.ReadUInt16LittleEndian(d[18..]);
            h = BinaryPrimitives.ReadUInt16LittleEndian(d[20..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(d[24..]);
            paletteStride = 3;
        }
        else if (headerSize >= 40)
        {
            if (d.Length < 14 + 40)
            {
                return Result.NeedMore;
            }

            w = BinaryPrimitives.ReadInt32LittleEndian(d[18..]);
            h = BinaryPrimitives.ReadInt32LittleEndian(d[22..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(d[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(d[30..]);
            coloursUsed = BinaryPrimitives.ReadUInt32LittleEndian(d[46..]);
            paletteStride = 4;
            if (headerSize >= 56 && d.Length >= 14 + 56)
            {
                alphaMask = BinaryPrimitives.ReadUInt32LittleEndian(d[66..]);
            }
        }
        else
        {
            return Result.Malformed($"unsupported BMP header size {headerSize}");
        }

        if (h == int.MinValue)
        {
            return Result.Malformed("the BMP declares an invalid height");
        }

        h = Math.Abs(h); // negative height = rows stored top-down
        PixelMode mode;
        if (bits is 1 or 2 or 4 or 8)
        {
            // Pillow: a palette that is the gray ramp opens as "L" ("1" for two colours black, white), otherwise "P".
            long colours = coloursUsed != 0 ? coloursUsed : 1L << bits;
            if (colours > 256)
            {
                return Result.Malformed($"the BMP declares {colours} palette colours for {bits}-bit pixels");
            }

            // In long arithmetic: a header size near int.MaxValue would wrap the palette's offset negative.
            long paletteStart = 14L + headerSize;
            int paletteBytes = (int)colours * paletteStride;
            if (paletteStart + paletteBytes > d.Length)
            {
                return Result.NeedMore;
            }

            ReadOnlySpan<byte> palette = d.Slice((int)paletteStart, paletteBytes);
            if (colours == 2)
            {
                bool blackWhite = palette[0] == 0 && palette[1] == 0 && palette[2] == 0
                    && palette[paletteStride] == 255 && palette[paletteStride + 1] == 255 && palette[paletteStride + 2] == 255;
                mode = blackWhite ? PixelMode.Bilevel : PixelMode.P;
            }
            else
            {
                mode = IsGrayRamp(palette, paletteStride) ? PixelMode.L : PixelMode.P;
            }
        }
        else if (bits is 16 or 24)
        {
            mode = PixelMode.RGB;
        }
        else if (bits == 32)
        {
            // BI_RGB ignores the fourth byte ("BGRX"); bit-field layouts with an alpha mask carry alpha.
            mode = compression is 3 or 6 && alphaMask != 0 ? PixelMode.RGBA : PixelMode.RGB;
        }
        else
        {
            return Result.Malformed($"unsupported BMP bit depth {bits}");
        }

        return Result.Ok(new ImageInfo(ImageFileFormat.Bmp, w, h, mode));
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace ClipSharp.Tests.Imaging;

/// <summary>Builds small image files byte by byte, so the decoder tests control every header field.</summary>
internal static class TestImageFiles
{
    /// <summary>A PNG with unfiltered rows. rows: [height, width * samples per pixel] already packed to the bit depth.</summary>
    public static byte[] Png(int width, int height, byte bitDepth, byte colourType, byte[] rows, byte[]? palette = null, byte[]? transparency = null)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = bitDepth;
        ihdr[9] = colourType;
        WriteChunk(file, "IHDR", ihdr);
        if (palette is not null)
        {
            WriteChunk(file, "PLTE", palette);
        }

        if (transparency is not null)
        {
            WriteChunk(file, "tRNS", transparency);
        }

        int stride = rows.Length / height;
        using var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter type None
            raw.Write(rows, y * stride, stride);
        }

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw.ToArray());
        }

        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>Only a signature, an IHDR declaring the given size and an IEND: no pixel data at all.</summary>
    public static byte[] PngHeaderOnly(uint width, uint height)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        WriteChunk(file, "IHDR", ihdr);
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>
    /// A GIF89a with a 4-colour global table and one frame per index array (each covering the whole screen).
    /// The LZW stream sends a clear code before every pixel, so every code stays 3 bits wide.
    /// </summary>
    public static byte[] Gif(int width, int height, byte[] paletteRgb, params byte[][] frames) =>
        Gif(width, height, paletteRgb, transparentIndex: null, frames);

    // transparentIndex: the palette index every frame's graphic control marks transparent, if any.
    public static byte[] Gif(int width, int height, byte[] paletteRgb, int? transparentIndex, params byte[][] frames)
    {
        using var file = new MemoryStream();
        file.Write("GIF89a"u8);
        WriteUInt16(file, width);
        WriteUInt16(file, height);
        file.WriteByte(0x80 | 0x01); // global table of 2^(1+1) = 4 colours
        file.WriteByte(0);
        file.WriteByte(0);
        file.Write(paletteRgb);
        foreach (byte[] indices in frames)
        {
            // graphic control: 0.1 s delay, optional transparent index
            file.Write([0x21, 0xF9, 4, (byte)(transparentIndex is null ? 0 : 1), 10, 0, (byte)(transparentIndex ?? 0), 0]);
            file.WriteByte(0x2C);
            WriteUInt16(file, 0);
            WriteUInt16(file, 0);
            WriteUInt16(file, width);
            WriteUInt16(file, height);
            file.WriteByte(0);
            file.WriteByte(2); // LZW minimum code size: clear = 4, end = 5
            byte[] lzw = UncompressedLzw(indices);
            for (int i = 0; i < lzw.Length; i += 255)
            {
                int n = Math.Min(255, lzw.Length - i);
                file.WriteByte((byte)n);
                file.Write(lzw, i, n);
            }

            file.WriteByte(0);
        }

        file.WriteByte(0x3B);
        return file.ToArray();
    }

    /// <summary>A bottom-up BITMAPINFOHEADER BMP. pixelRows: [height, width * bits / 8] top row first, unpadded.</summary>
    public static byte[] Bmp(int width, int height, int bitsPerPixel, byte[] pixelRows, byte[]? paletteBgra = null)
    {
        int rowBytes = width * bitsPerPixel / 8;
        int stride = (rowBytes + 3) & ~3;
        int paletteBytes = paletteBgra?.Length ?? 0;
        int offset = 14 + 40 + paletteBytes;
        using var file = new MemoryStream();
        file.Write("BM"u8);
        WriteUInt32(file, offset + (stride * height));
        WriteUInt32(file, 0);
        WriteUInt32(file, offset);
        WriteUInt32(file, 40);
        WriteUInt32(file, width);
        WriteUInt32(file, height);
        WriteUInt16(file, 1);
        WriteUInt16(file, bitsPerPixel);
        WriteUInt32(file, 0); // BI_RGB
        WriteUInt32(file, stride * height);
        WriteUInt32(file, 2835);
        WriteUInt32(file, 2835);
        WriteUInt32(file, paletteBytes / 4);
        WriteUInt32(file, 0);
        if (paletteBgra is not null)
        {
            file.Write(paletteBgra);
        }

        var padding = new byte[stride - rowBytes];
        for (int y = height - 1; y >= 0; y--)
        {
            file.Write(pixelRows, y * rowBytes, rowBytes);
            file.Write(padding);
        }

        return file.ToArray();
    }

    /// <summary>RGBA pixels (unpremultiplied) encoded by Skia as lossless WebP.</summary>
    public static byte[] WebPLossless(byte[] rgba, int width, int height)
        => SkiaEncoded(rgba, width, height, pixmap => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100)));

    /// <summary>RGBA pixels (unpremultiplied) encoded by Skia in a lossy format (JPEG, lossy WebP) at this quality.</summary>
    public static byte[] Lossy(byte[] rgba, int width, int height, SKEncodedImageFormat format, int quality)
        => SkiaEncoded(rgba, width, height, pixmap => pixmap.Encode(format, quality));

    private static byte[] SkiaEncoded(byte[] rgba, int width, int height, Func<SKPixmap, SKData?> encode)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using SKPixmap pixmap = bitmap.PeekPixels();
        using SKData data = encode(pixmap) ?? throw new InvalidOperationException("Skia could not encode a test image.");
        return data.ToArray();
    }

    private static byte[] UncompressedLzw(byte[] indices)
    {
        var codes = new List<int>();
        foreach (byte i in indices)
        {
            codes.Add(4);
            codes.Add(i);
        }

        codes.Add(5);
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (int code in codes)
        {
            buffer |= code << bits;
            bits += 3;
            while (bits >= 8)
            {
                bytes.Add((byte)buffer);
                buffer >>= 8;
                bits -= 8;
            }
        }

        if (bits > 0)
        {
            bytes.Add((byte)buffer);
        }

        return [.. bytes];
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        s.Write(length);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32([.. typeBytes, .. data]));
        s.Write(crc);
    }

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void WriteUInt16(Stream s, int v)
    {
        s.WriteByte((byte)v);
        s.WriteByte((byte)(v >> 8));
    }

    private static void WriteUInt32(Stream s, int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        s.Write(b);
    }
}

using SkiaSharp;

namespace ClipSharp.Imaging;

/// <summary>
/// Decodes PNG, JPEG, WebP, GIF (first frame) and BMP with Skia's <see cref="SKCodec"/> into the samples
/// <c>PIL.Image.open</c> would give the reference pipeline.
/// </summary>
/// <remarks>
/// Pixels are decoded with no target colour space, so embedded ICC profiles, gAMA or cHRM are ignored and the raw
/// sample values come out exactly as Pillow reads them; EXIF orientation is not applied either, because the
/// reference (<c>Image.open</c> followed by torchvision transforms) never calls <c>ImageOps.exif_transpose</c>.
/// Alpha is kept unpremultiplied, as stored in the file.
/// </remarks>
public static class ImageDecoder
{
    private const int FirstHeaderRead = 64 * 1024;

    /// <summary>Reads only as much of the file as its headers need.</summary>
    public static ImageInfo Peek(string path)
    {
        using FileStream stream = OpenFile(path);
        long length = stream.Length;
        if (length == 0)
        {
            throw new ImageDecodeException(path, "the file is empty");
        }

        byte[] buffer = new byte[(int)Math.Min(length, FirstHeaderRead)];
        int filled = 0;
        while (true)
        {
            filled += ReadInto(stream, buffer.AsSpan(filled), path);
            bool complete = filled >= length;
            ImageHeaderReader.Result r = ImageHeaderReader.Read(buffer.AsSpan(0, filled), complete);
            if (r.Status != ImageHeaderReader.Status.NeedMoreData || complete)
            {
                return Interpret(r, path);
            }

            // Headers can sit behind large metadata segments (e.g. JPEG EXIF); grow geometrically up to the file.
            long next = Math.Min(length, Math.Min((long)buffer.Length * 2, Array.MaxLength));
            if (next <= buffer.Length)
            {
                throw new ImageDecodeException(path, "its header could not be found in the first " + buffer.Length + " bytes");
            }

            Array.Resize(ref buffer, (int)next);
        }
    }

    public static ImageInfo Peek(ReadOnlySpan<byte> data, string name)
    {
        if (data.IsEmpty)
        {
            throw new ImageDecodeException(name, "the file is empty");
        }

        return Interpret(ImageHeaderReader.Read(data, complete: true), name);
    }

    public static DecodedImage Decode(string path, ImageDecodeOptions? options = null)
    {
        // The header check runs before the whole file is read, so a bomb is rejected without touching its body.
        ImageInfo info = Peek(path);
        CheckLimit(info.Width, info.Height, path, options ?? ImageDecodeOptions.Default);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }

        return Decode(data, path, options);
    }

    public static DecodedImage Decode(ReadOnlySpan<byte> data, string name, ImageDecodeOptions? options = null)
    {
        options ??= ImageDecodeOptions.Default;
        if (data.IsEmpty)
        {
            throw new ImageDecodeException(name, "the file is empty");
        }

        ImageHeaderReader.Result header = ImageHeaderReader.Read(data, complete: true);
        ImageInfo info = Interpret(header, name);
        CheckLimit(info.Width, info.Height, name, options);

        using SKData skData = SKData.CreateCopy(data);
        using SKCodec? codec = SKCodec.Create(skData);
        if (codec is null)
        {
            throw new ImageDecodeException(name, $"the {info.Format} data is corrupt or truncated (the decoder rejected its headers)");
        }

        SKImageInfo declared = codec.Info;
        CheckLimit(declared.Width, declared.Height, name, options);
        if (declared.Width != info.Width || declared.Height != info.Height)
        {
            throw new ImageDecodeException(
                name, $"the headers disagree on the size ({info.Width} x {info.Height} vs {declared.Width} x {declared.Height})");
        }

        long rgbaBytes = (long)declared.Width * declared.Height * 4;
        if (rgbaBytes > Array.MaxLength)
        {
            throw new ImageDecodeException(
                name, $"{declared.Width} x {declared.Height} pixels need {rgbaBytes} bytes, more than one array can hold");
        }

        // No colour space on the target: Skia then performs no colour conversion (see the remarks above).
        var target = new SKImageInfo(declared.Width, declared.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgba = GC.AllocateUninitializedArray<byte>((int)rgbaBytes);
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba)
            {
                result = codec.GetPixels(target, (IntPtr)p);
            }
        }

        if (result != SKCodecResult.Success)
        {
            string problem = result switch
            {
                SKCodecResult.IncompleteInput => $"the {info.Format} data is truncated",
                SKCodecResult.ErrorInInput => $"the {info.Format} data is corrupt",
                _ => $"the {info.Format} decoder failed ({result})",
            };
            throw new ImageDecodeException(name, problem);
        }

        if (header.TransparentColour is { } colour)
        {
            RestoreTransparentColour(rgba, colour);
        }

        return new DecodedImage(info.Width, info.Height, info.Mode, ToModeSamples(rgba, info.Mode));
    }

    // A GIF frame has at most one transparent index, so every alpha-0 pixel is that index: give it back its colour.
    private static void RestoreTransparentColour(byte[] rgba, byte[] colour)
    {
        for (int i = 0; i < rgba.Length; i += 4)
        {
            if (rgba[i + 3] == 0)
            {
                rgba[i] = colour[0];
                rgba[i + 1] = colour[1];
                rgba[i + 2] = colour[2];
            }
        }
    }

    private static byte[] ToModeSamples(byte[] rgba, PixelMode mode)
    {
        int channels = DecodedImage.ChannelsOf(mode);
        if (channels == 4)
        {
            return rgba;
        }

        int pixels = rgba.Length / 4;
        byte[] result = GC.AllocateUninitializedArray<byte>(pixels * channels);
        switch (mode)
        {
            case PixelMode.RGB:
                for (int i = 0, o = 0; i < pixels; i++, o += 3)
                {
                    int s = i * 4;
                    result[o] = rgba[s];
                    result[o + 1] = rgba[s + 1];
                    result[o + 2] = rgba[s + 2];
                }

                break;
            case PixelMode.LA:
                for (int i = 0; i < pixels; i++)
                {
                    result[2 * i] = rgba[4 * i];
                    result[(2 * i) + 1] = rgba[(4 * i) + 3];
                }

                break;
            default: // L, Bilevel: Skia expands gray to R = G = B
                for (int i = 0; i < pixels; i++)
                {
                    result[i] = rgba[4 * i];
                }

                break;
        }

        return result;
    }

    private static void CheckLimit(int width, int height, string name, ImageDecodeOptions options)
    {
        long pixels = (long)width * height;
        if (pixels > options.MaxPixels)
        {
            throw new ImageDecodeException(
                name,
                $"it declares {width} x {height} = {pixels:N0} pixels, over the limit of {options.MaxPixels:N0} pixels "
                + $"(possible decompression bomb; raise {nameof(ImageDecodeOptions)}.{nameof(ImageDecodeOptions.MaxPixels)} to accept it)");
        }
    }

    private static ImageInfo Interpret(ImageHeaderReader.Result r, string name) => r.Status switch
    {
        ImageHeaderReader.Status.Ok => r.Info!,
        _ => throw new ImageDecodeException(name, r.Problem),
    };

    private static FileStream OpenFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            // Opening a folder fails with "access denied" on Linux, which would send the user looking at permissions.
            throw new ImageDecodeException(path, "it is a folder, not an image file");
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (FileNotFoundException e)
        {
            throw new ImageDecodeException(path, "the file does not exist", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new ImageDecodeException(path, "the file's folder does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }
    }

    private static int ReadInto(FileStream stream, Span<byte> destination, string path)
    {
        try
        {
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (IOException e)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }
    }
}

namespace ClipSharp.Imaging;

/// <summary>
/// Pillow 9.4's <c>Image.resize</c> for 8-bit images with any number of interleaved channels, bit for bit:
/// BICUBIC as a separable fixed-point convolution (horizontal pass, then vertical, each only when that size
/// changes, each rounded and clamped to uint8), and NEAREST as Pillow's affine scale.
/// </summary>
/// <remarks>
/// Every output pixel of a pass depends only on its own row (horizontal) or column (vertical), so a window
/// of the output can be computed alone with identical bytes: the CLIP transform resizes only its centre crop.
/// </remarks>
public static class PillowResample
{
    /// <summary>src: [srcHeight, srcWidth, channels] → [dstHeight, dstWidth, channels]</summary>
    public static byte[] Bicubic(ReadOnlySpan<byte> src, int srcWidth, int srcHeight, int channels, int dstWidth, int dstHeight)
    {
        var dst = new byte[checked(dstWidth * dstHeight * channels)];
        Bicubic(src, srcWidth, srcHeight, channels, dstWidth, dstHeight, new ResizeWindow(0, 0, dstWidth, dstHeight), dst);
        return dst;
    }

    /// <summary>src: [srcHeight, srcWidth, channels] → [dstHeight, dstWidth, channels]</summary>
    public static byte[] Nearest(ReadOnlySpan<byte> src, int srcWidth, int srcHeight, int channels, int dstWidth, int dstHeight)
    {
        var dst = new byte[checked(dstWidth * dstHeight * channels)];
        Nearest(src, srcWidth, srcHeight, channels, dstWidth, dstHeight, new ResizeWindow(0, 0, dstWidth, dstHeight), dst);
        return dst;
    }

    /// <summary>
    /// Computes only <paramref name="window"/> of the <paramref name="dstWidth"/> x <paramref name="dstHeight"/> result.
    /// dst: [window.Height, window.Width, channels]
    /// </summary>
    public static void Bicubic(
        ReadOnlySpan<byte> src, int srcWidth, int srcHeight, int channels,
        int dstWidth, int dstHeight, ResizeWindow window, Span<byte> dst)
    {
        Validate(src, srcWidth, srcHeight, channels, dstWidth, dstHeight, window, dst);
        bool horizontal = dstWidth != srcWidth;
        bool vertical = dstHeight != srcHeight;

        ResampleCoefficients? ky = vertical ? ResampleCoefficients.Bicubic(srcHeight, dstHeight) : null;
        int rowFirst = window.Top, rowEnd = window.Top + window.Height;
        if (ky is not null)
        {
            rowFirst = int.MaxValue;
            rowEnd = 0;
            for (int yy = window.Top; yy < window.Top + window.Height; yy++)
            {
                rowFirst = Math.Min(rowFirst, ky.First[yy]);
                rowEnd = Math.Max(rowEnd, ky.First[yy] + ky.Count[yy]);
            }
        }

        // tmp: [rowEnd - rowFirst, window.Width, channels] — the source rows the vertical pass reads, already
        // resized horizontally (or just cut to the window's columns when the width does not change).
        int rowBytes = window.Width * channels;
        byte[] tmp = vertical ? new byte[(rowEnd - rowFirst) * rowBytes] : [];
        Span<byte> horizontalOut = vertical ? tmp : dst;
        if (horizontal)
        {
            ResampleCoefficients kx = ResampleCoefficients.Bicubic(srcWidth, dstWidth);
            HorizontalPass(src, srcWidth, channels, kx, window.Left, window.Width, rowFirst, rowEnd, horizontalOut);
        }
        else
        {
            for (int r = rowFirst; r < rowEnd; r++)
            {
                src.Slice(((r * srcWidth) + window.Left) * channels, rowBytes).CopyTo(horizontalOut[((r - rowFirst) * rowBytes)..]);
            }
        }

        if (ky is not null)
        {
            VerticalPass(tmp, rowBytes, ky, rowFirst, window.Top, window.Height, dst);
        }
    }

    /// <summary>dst: [window.Height, window.Width, channels]</summary>
    public static void Nearest(
        ReadOnlySpan<byte> src, int srcWidth, int srcHeight, int channels,
        int dstWidth, int dstHeight, ResizeWindow window, Span<byte> dst)
    {
        Validate(src, srcWidth, srcHeight, channels, dstWidth, dstHeight, window, dst);

        // Pillow maps output x to source COORD(x0 + scale/2 + x * scale), the position accumulated by repeated
        // addition in double (not multiplied), truncated; a position outside the source leaves the pixel 0.
        int[] xIn = NearestSourceIndices(srcWidth, dstWidth);
        int[] yIn = NearestSourceIndices(srcHeight, dstHeight);
        int rowBytes = window.Width * channels;
        for (int y = 0; y < window.Height; y++)
        {
            Span<byte> outRow = dst.Slice(y * rowBytes, rowBytes);
            int sy = yIn[window.Top + y];
            if (sy < 0)
            {
                outRow.Clear();
                continue;
            }

            ReadOnlySpan<byte> inRow = src.Slice(sy * srcWidth * channels, srcWidth * channels);
            for (int x = 0; x < window.Width; x++)
            {
                int sx = xIn[window.Left + x];
                Span<byte> o = outRow.Slice(x * channels, channels);
                if (sx < 0)
                {
                    o.Clear();
                }
                else
                {
                    inRow.Slice(sx * channels, channels).CopyTo(o);
                }
            }
        }
    }

    private static int[] NearestSourceIndices(int inSize, int outSize)
    {
        var table = new int[outSize];
        double step = (double)(float)inSize / outSize;
        double position = step * 0.5;
        for (int i = 0; i < outSize; i++)
        {
            int s = position < 0.0 ? -1 : (int)position;
            table[i] = s >= 0 && s < inSize ? s : -1;
            position += step;
        }

        return table;
    }

    // src: [H, srcWidth, C] rows [rowFirst, rowEnd) → dst: [rowEnd - rowFirst, count, C] for output columns [left, left + count)
    private static void HorizontalPass(
        ReadOnlySpan<byte> src, int srcWidth, int channels, ResampleCoefficients kx,
        int left, int count, int rowFirst, int rowEnd, Span<byte> dst)
    {
        Span<int> acc = stackalloc int[channels];
        int rowBytes = count * channels;
        for (int r = rowFirst; r < rowEnd; r++)
        {
            ReadOnlySpan<byte> inRow = src.Slice(r * srcWidth * channels, srcWidth * channels);
            Span<byte> outRow = dst.Slice((r - rowFirst) * rowBytes, rowBytes);
            for (int xx = 0; xx < count; xx++)
            {
                int ox = left + xx;
                ReadOnlySpan<int> k = kx.Weights.AsSpan(ox * kx.Taps, kx.Taps);
                int first = kx.First[ox];
                int n = kx.Count[ox];
                acc.Fill(1 << (ResampleCoefficients.PrecisionBits - 1));
                for (int x = 0; x < n; x++)
                {
                    int w = k[x];
                    int s = (first + x) * channels;
                    for (int c = 0; c < channels; c++)
                    {
                        acc[c] += inRow[s + c] * w;
                    }
                }

                for (int c = 0; c < channels; c++)
                {
                    outRow[(xx * channels) + c] = Clip8(acc[c]);
                }
            }
        }
    }

    // src: [rows, rowBytes] holding source rows from rowFirst → dst: [count, rowBytes] for output rows [top, top + count)
    private static void VerticalPass(
        ReadOnlySpan<byte> src, int rowBytes, ResampleCoefficients ky, int rowFirst, int top, int count, Span<byte> dst)
    {
        var acc = new int[rowBytes];
        for (int yy = 0; yy < count; yy++)
        {
            int oy = top + yy;
            ReadOnlySpan<int> k = ky.Weights.AsSpan(oy * ky.Taps, ky.Taps);
            int first = ky.First[oy] - rowFirst;
            int n = ky.Count[oy];
            Array.Fill(acc, 1 << (ResampleCoefficients.PrecisionBits - 1));
            for (int y = 0; y < n; y++)
            {
                int w = k[y];
                ReadOnlySpan<byte> inRow = src.Slice((first + y) * rowBytes, rowBytes);
                for (int i = 0; i < rowBytes; i++)
                {
                    acc[i] += inRow[i] * w;
                }
            }

            Span<byte> outRow = dst.Slice(yy * rowBytes, rowBytes);
            for (int i = 0; i < rowBytes; i++)
            {
                outRow[i] = Clip8(acc[i]);
            }
        }
    }

    /// <summary>Drops the fraction bits with an arithmetic (flooring) shift, then clamps to a byte.</summary>
    private static byte Clip8(int accumulator)
    {
        int v = accumulator >> ResampleCoefficients.PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }

    private static void Validate(
        ReadOnlySpan<byte> src, int srcWidth, int srcHeight, int channels,
        int dstWidth, int dstHeight, ResizeWindow window, Span<byte> dst)
    {
        if (srcWidth <= 0 || srcHeight <= 0 || dstWidth <= 0 || dstHeight <= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(srcWidth), $"resize sizes must be positive, got {srcWidth} x {srcHeight} -> {dstWidth} x {dstHeight}.");
        }

        if (channels is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "an 8-bit image has 1 to 4 channels.");
        }

        if ((long)srcWidth * srcHeight * channels != src.Length)
        {
            throw new ArgumentException(
                $"a {srcWidth} x {srcHeight} x {channels} source needs {(long)srcWidth * srcHeight * channels} bytes, got {src.Length}.", nameof(src));
        }

        if (window.Left < 0 || window.Top < 0 || window.Width <= 0 || window.Height <= 0
            || window.Left + window.Width > dstWidth || window.Top + window.Height > dstHeight)
        {
            throw new ArgumentOutOfRangeException(nameof(window), $"window {window} is not inside the {dstWidth} x {dstHeight} output.");
        }

        if ((long)window.Width * window.Height * channels != dst.Length)
        {
            throw new ArgumentException(
                $"the {window.Width} x {window.Height} x {channels} window needs {(long)window.Width * window.Height * channels} bytes, got {dst.Length}.", nameof(dst));
        }
    }
}

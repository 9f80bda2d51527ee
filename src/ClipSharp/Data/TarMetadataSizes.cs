namespace ClipSharp.Data;

/// <summary>
/// Refuses a shard whose extended-attribute or long-name member (PAX 'x' and 'g', GNU 'L' and 'K') declares more bytes
/// than the file holds. <see cref="System.Formats.Tar.TarReader"/> reads such a member whole into memory at its
/// declared size (up to 2 GB) before it meets the end of the file, so a few kilobytes of damaged shard could make
/// it allocate gigabytes. The walk follows the headers as tar lays them out, as the reader does (which ignores the
/// checksum), and stops, leaving the verdict to the reader, at the end of the archive, at a block whose size field
/// is not a number, or after a PAX header that overrides the next member's size.
/// </summary>
internal static class TarMetadataSizes
{
    private const int Block = 512;

    public static void Check(Stream stream, string shard)
    {
        long length = stream.Length;
        var header = new byte[Block];
        long at = 0;
        while (at + Block <= length)
        {
            stream.Position = at;
            stream.ReadExactly(header);
            if (!header.AsSpan().ContainsAnyExcept((byte)0) || !TryParseNumber(header.AsSpan(124, 12), out long size))
            {
                break;
            }

            long left = length - at - Block;
            char type = (char)header[156];
            if (type is 'x' or 'g' or 'L' or 'K' && size > left)
            {
                throw new InvalidDataException(
                    $"{shard}: the '{type}' metadata member at byte {at} declares {size} bytes, but only {left} follow in the file.");
            }

            if (size > left)
            {
                break; // a truncated member: the reader reports it
            }

            if (type == 'x' && OverridesSize(stream, size))
            {
                break;
            }

            at += Block + ((size + Block - 1) / Block * Block);
        }

        stream.Position = 0;
    }

    // The records of a PAX header ("LEN key=value\n"), which follow it and are no longer than the file.
    private static bool OverridesSize(Stream stream, long size)
    {
        var records = new byte[size];
        stream.ReadExactly(records);
        return records.AsSpan().IndexOf(" size="u8) >= 0;
    }

    /// <summary>An octal field (optionally padded with spaces or NULs), or GNU's base-256 form; false for anything else.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || (field.Length > 9 && field[1..^8].ContainsAnyExcept((byte)0)))
            {
                return false; // negative, or too large for a long
            }

            foreach (byte b in field[^Math.Min(8, field.Length - 1)..])
            {
                value = (value << 8) | b;
            }

            return value >= 0;
        }

        // Leniently, as the leading octal digits: whatever the reader accepts reads as the same number here.
        field = field.TrimStart((byte)' ');
        int digits = 0;
        foreach (byte b in field)
        {
            if (b is < (byte)'0' or > (byte)'7')
            {
                break;
            }

            value = digits++ < 21 ? (value * 8) + (b - '0') : long.MaxValue;
        }

        return digits > 0;
    }
}

using System.Formats.Tar;
using System.Text;
using ClipSharp.Data;
using ClipSharp.Imaging;
using ClipSharp.Testing.Fuzzing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Data;

/// <summary>
/// Mutated webdataset shards (ustar, PAX and GNU, with long names), listed and every sample decoded: each case either
/// works or raises <see cref="InvalidDataException"/> (the shard) or <see cref="ImageDecodeException"/> (a member),
/// naming the shard, within a time limit and allocating no more than a small multiple of the shard's size.
/// </summary>
public sealed class FuzzWebDatasetTests(ITestOutputHelper output)
{
    // Captions are read into strings (two bytes a character, and the reader's buffers); an image member is read whole.
    private const long AllocationPerFileByte = 16;
    private const long AllocationSlack = 1 << 20;

    // ustar header fields (offset, length) a length or type edit lands in.
    private static readonly (int Offset, int Length)[] s_fields =
        [(0, 100), (100, 8), (108, 8), (116, 8), (124, 12), (136, 12), (156, 1), (157, 100), (257, 6), (263, 2), (345, 155)];

    private static readonly byte[][] s_tokens =
    [
        "ustar\0"u8.ToArray(), "ustar  \0"u8.ToArray(), "00"u8.ToArray(), [0], " "u8.ToArray(), "././@LongLink"u8.ToArray(),
        "30 path=deep/a-much-longer-name.png\n"u8.ToArray(), "999999999 path=x\n"u8.ToArray(), "12 size=-1\n"u8.ToArray(),
        "20 size=99999999999\n"u8.ToArray(), "9 mtime=\n"u8.ToArray(), "0 x=\n"u8.ToArray(), ".png"u8.ToArray(), ".txt"u8.ToArray(),
    ];

    [Fact]
    public void MutatedShardsListOrRaiseTheDataError()
    {
        byte[][] seeds = Seeds();
        var mutator = new Mutator(6100, tokens: s_tokens);
        var run = new FuzzRun("webdataset tar", output, typeof(InvalidDataException), typeof(ImageDecodeException));
        using var folder = new TempFolder();
        string shard = folder.File("shard.tar");
        for (int i = 0; i < 3000; i++)
        {
            (string label, byte[] bytes) = i % 4 == 3
                ? ("HeaderField", EditHeaderField(seeds[mutator.Random.Next(seeds.Length)], mutator.Random))
                : Labelled(mutator.Next(seeds, i, maxRandomLength: 4096));
            File.WriteAllBytes(shard, bytes);
            run.Case($"case {i}", shard, AllocationSlack + (AllocationPerFileByte * bytes.Length), () => ListAndDecode(shard), label, bytes);
        }

        run.Finish();
        Assert.True(run.Refused > run.Cases / 10, "mutations must be detected");
    }

    // Found by the fuzzer: a PAX header declaring 2 GB of attributes made TarReader allocate them for a 9 KB shard,
    // with or without a valid checksum (the reader does not check it).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AMetadataMemberLargerThanTheShardIsRefusedBeforeItIsRead(bool validChecksum)
    {
        byte[] pax = Seeds()[1];
        int header = Headers(pax).Where(h => pax[h + 156] == (byte)'x').Last();
        byte[] bytes = WithField(pax, header, 124, "17777777777\0"u8);
        if (!validChecksum)
        {
            bytes[header + 148] ^= 1;
        }

        AssertRefused(bytes, "declares 2147483647 bytes");
    }

    // Found by the fuzzer: TarReader threw OverflowException for a base-256 size beyond a long.
    [Fact]
    public void ASizeTooLargeForItsFieldIsADataError()
    {
        byte[] ustar = Seeds()[0];
        byte[] bytes = WithField(ustar, Headers(ustar)[1], 124, [0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        AssertRefused(bytes, "corrupt tar");
    }

    // Found by the fuzzer: a member whose data runs past the end of the file escaped as EndOfStreamException.
    [Fact]
    public void AMemberRunningPastTheEndOfTheShardIsADataError()
    {
        byte[] ustar = Seeds()[0];
        int image = Headers(ustar)[2];
        AssertRefused(ustar[..(image + 512 + 8)], "shard.tar");
    }

    private static void AssertRefused(byte[] bytes, string expected)
    {
        using var folder = new TempFolder();
        string shard = folder.File("shard.tar");
        File.WriteAllBytes(shard, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => ListAndDecode(shard));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationSlack, "allocated more than the slack");
        Assert.Contains(shard, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static List<int> Headers(byte[] tar)
    {
        var headers = new List<int>();
        for (int at = 0; at + 512 <= tar.Length; at += 512)
        {
            if (tar.AsSpan(at + 257, 5).SequenceEqual("ustar"u8))
            {
                headers.Add(at);
            }
        }

        return headers;
    }

    private static void ListAndDecode(string shard)
    {
        CaptionDataset set = WebDatasetSource.Load([shard]);
        foreach (CaptionedSample sample in set.Samples)
        {
            sample.Image.Decode();
        }
    }

    private static (string, byte[]) Labelled((MutationKind Kind, byte[] Bytes) m) => (m.Kind.ToString(), m.Bytes);

    /// <summary>One field of one member header set to an extreme or malformed value, with the checksum made valid again.</summary>
    private static byte[] EditHeaderField(byte[] tar, Random random)
    {
        List<int> headers = Headers(tar);
        int header = headers[random.Next(headers.Count)];
        (int offset, int length) = s_fields[random.Next(s_fields.Length)];
        var field = new byte[length];
        switch (random.Next(5))
        {
            case 0: // the largest octal number the field holds
                field.AsSpan().Fill((byte)'7');
                field[^1] = 0;
                break;
            case 1: // a random octal number
                Encoding.ASCII.GetBytes(Convert.ToString(random.NextInt64(1L << Math.Min(3 * (length - 1), 62)), 8).PadLeft(length - 1, '0')[^(length - 1)..])
                    .CopyTo(field, 0);
                break;
            case 2: // base-256, as GNU writes numbers too large for octal
                random.NextBytes(field);
                field[0] = (byte)(0x80 | (random.Next(2) << 6));
                break;
            case 3: // not a number
                random.NextBytes(field);
                break;
            default:
                break;
        }

        return WithField(tar, header, offset, field);
    }

    /// <summary>The tar with one field of the header at <paramref name="header"/> replaced, and its checksum made valid again.</summary>
    private static byte[] WithField(byte[] tar, int header, int offset, ReadOnlySpan<byte> value)
    {
        byte[] copy = (byte[])tar.Clone();
        value.CopyTo(copy.AsSpan(header + offset));

        // The checksum: the sum of the header's bytes with its own field read as spaces, as six octal digits, NUL, space.
        copy.AsSpan(header + 148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in copy.AsSpan(header, 512))
        {
            sum += b;
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0')[^6..] + "\0 ").CopyTo(copy.AsSpan(header + 148));
        return copy;
    }

    /// <summary>Small shards in each tar format, with a long member name (an extended header in PAX and GNU).</summary>
    private static byte[][] Seeds()
    {
        using var folder = new TempFolder();
        var seeds = new List<byte[]>();
        foreach (TarEntryFormat format in (TarEntryFormat[])[TarEntryFormat.Ustar, TarEntryFormat.Pax, TarEntryFormat.Gnu])
        {
            string path = folder.File($"{format}.tar");
            string longKey = "deep/" + new string('k', format == TarEntryFormat.Ustar ? 90 : 120);
            DataFiles.WriteTar(path, format,
                ("000001.txt", DataFiles.Utf8("a small thing")),
                ("000001.png", DataFiles.Png(4, 3, 30)),
                (longKey + ".png", DataFiles.Png(3, 2, 90)),
                (longKey + ".txt", DataFiles.Utf8("a long name")));
            seeds.Add(File.ReadAllBytes(path));
        }

        return [.. seeds];
    }
}

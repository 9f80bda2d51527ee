using System.Buffers.Binary;

namespace ClipSharp.Testing.Fuzzing;

/// <summary>
/// Seeded mutations of valid inputs: flipped bits, truncation, two inputs spliced, a number overwritten with an
/// extreme value (how length and size fields go wrong), a chunk repeated, a format's own tokens inserted, and random
/// bytes. The same seed gives the same cases, so a failure can be replayed from its case number.
/// </summary>
internal sealed class Mutator
{
    private static readonly ulong[] s_extremes =
        [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x4000_0000, ulong.MaxValue, long.MaxValue];

    private readonly byte[][] _tokens;

    /// <param name="seed">the random seed; one per test, so the cases are reproducible.</param>
    /// <param name="hotPrefix">half of the positions fall in the first bytes, where headers (and so structure) live; 0: anywhere.</param>
    /// <param name="tokens">byte strings of the format (delimiters, keywords, markers) for <see cref="MutationKind.TokenInsertion"/>.</param>
    public Mutator(int seed, int hotPrefix = 0, IEnumerable<byte[]>? tokens = null)
    {
        Random = new Random(seed);
        HotPrefix = hotPrefix;
        _tokens = [.. tokens ?? []];
    }

    public Random Random { get; }

    public int HotPrefix { get; }

    /// <summary>A mutation of one of <paramref name="seeds"/>, the kinds taken in turn by <paramref name="caseNumber"/>.</summary>
    public (MutationKind Kind, byte[] Bytes) Next(IReadOnlyList<byte[]> seeds, int caseNumber, int maxRandomLength = 256)
    {
        MutationKind[] kinds = _tokens.Length > 0 ? Enum.GetValues<MutationKind>() : [.. Enum.GetValues<MutationKind>().Where(k => k != MutationKind.TokenInsertion)];
        MutationKind kind = kinds[caseNumber % kinds.Length];
        byte[] seed = seeds[Random.Next(seeds.Count)];
        byte[] bytes = kind switch
        {
            MutationKind.BitFlips => FlipBits(seed, Random.Next(1, 9)),
            MutationKind.Truncation => Truncate(seed),
            MutationKind.Splice => Splice(seed, seeds[Random.Next(seeds.Count)]),
            MutationKind.LengthField => EditNumber(seed),
            MutationKind.DuplicatedChunk => DuplicateChunk(seed),
            MutationKind.TokenInsertion => InsertToken(seed),
            _ => RandomBytes(Random.Next(0, maxRandomLength + 1)),
        };
        return (kind, bytes);
    }

    public byte[] FlipBits(byte[] data, int count)
    {
        byte[] copy = (byte[])data.Clone();
        for (int k = 0; k < count && copy.Length > 0; k++)
        {
            copy[Position(copy.Length)] ^= (byte)(1 << Random.Next(8));
        }

        return copy;
    }

    public byte[] Truncate(byte[] data) => data[..Position(data.Length + 1)];

    /// <summary>The start of <paramref name="first"/> followed by the end of <paramref name="second"/>, cut at random points.</summary>
    public byte[] Splice(byte[] first, byte[] second)
    {
        int cut = Position(first.Length + 1);
        int from = Random.Next(second.Length + 1);
        return [.. first.AsSpan(0, cut), .. second.AsSpan(from)];
    }

    /// <summary>A 1, 2, 4 or 8-byte number, in either byte order, overwritten with an extreme or random value.</summary>
    public byte[] EditNumber(byte[] data)
    {
        byte[] copy = (byte[])data.Clone();
        int width = 1 << Random.Next(4);
        if (copy.Length < width)
        {
            return copy;
        }

        int at = Math.Min(Position(copy.Length), copy.Length - width);
        ulong value = Random.Next(4) == 0 ? (ulong)Random.NextInt64() : s_extremes[Random.Next(s_extremes.Length)];
        bool big = Random.Next(2) == 0;
        Span<byte> field = copy.AsSpan(at, width);
        switch (width)
        {
            case 1:
                field[0] = (byte)value;
                break;
            case 2 when big:
                BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)value);
                break;
            case 2:
                BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value);
                break;
            case 4 when big:
                BinaryPrimitives.WriteUInt32BigEndian(field, (uint)value);
                break;
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(field, (uint)value);
                break;
            case 8 when big:
                BinaryPrimitives.WriteUInt64BigEndian(field, value);
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(field, value);
                break;
        }

        return copy;
    }

    /// <summary>A chunk of the input repeated once or several times in place (a duplicated segment, record or member).</summary>
    public byte[] DuplicateChunk(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }

        int start = Position(data.Length);
        int length = Random.Next(1, Math.Min(data.Length - start, 1024) + 1);
        int times = Random.Next(4) == 0 ? Random.Next(2, 64) : 1;
        var result = new List<byte>(data.Length + (length * times));
        result.AddRange(data.AsSpan(0, start + length));
        for (int t = 0; t < times; t++)
        {
            result.AddRange(data.AsSpan(start, length));
        }

        result.AddRange(data.AsSpan(start + length));
        return [.. result];
    }

    /// <summary>One of the format's tokens inserted, or written over the bytes at a position.</summary>
    public byte[] InsertToken(byte[] data)
    {
        byte[] token = _tokens[Random.Next(_tokens.Length)];
        int at = Position(data.Length + 1);
        int replaced = Random.Next(2) == 0 ? Math.Min(token.Length, data.Length - at) : 0;
        return [.. data.AsSpan(0, at), .. token, .. data.AsSpan(at + replaced)];
    }

    public byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.NextBytes(bytes);
        return bytes;
    }

    // Half the time in the hot prefix, where a format keeps its headers.
    private int Position(int length)
    {
        if (length <= 0)
        {
            return 0;
        }

        return HotPrefix > 0 && Random.Next(2) == 0 ? Random.Next(Math.Min(length, HotPrefix)) : Random.Next(length);
    }
}

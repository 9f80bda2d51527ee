namespace ClipSharp.Text;

/// <summary>
/// The reference <c>bytes_to_unicode</c>: every byte gets a printable character so that BPE symbols never hold
/// whitespace or control characters. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the
/// other 68 bytes to U+0100 onwards in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>byte → character.</summary>
    public static char[] ByteToChar { get; } = BuildByteToChar();

    /// <summary>The 256 characters in vocabulary order: the self-mapped bytes first, then the shifted ones.</summary>
    public static char[] VocabularyOrder { get; } = BuildVocabularyOrder();

    private static readonly Dictionary<char, byte> s_charToByte = BuildCharToByte();

    public static bool TryGetByte(char c, out byte b) => s_charToByte.TryGetValue(c, out b);

    private static bool IsSelfMapped(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            map[b] = IsSelfMapped(b) ? (char)b : (char)(256 + shifted++);
        }

        return map;
    }

    private static char[] BuildVocabularyOrder()
    {
        var order = new List<char>(256);
        for (int b = 0; b < 256; b++)
        {
            if (IsSelfMapped(b))
            {
                order.Add(ByteToChar[b]);
            }
        }

        for (int b = 0; b < 256; b++)
        {
            if (!IsSelfMapped(b))
            {
                order.Add(ByteToChar[b]);
            }
        }

        return [.. order];
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (byte)b;
        }

        return map;
    }
}

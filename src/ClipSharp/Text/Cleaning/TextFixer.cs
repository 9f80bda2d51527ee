using System.Text;
using ClipSharp.Text.Generated;

namespace ClipSharp.Text.Cleaning;

/// <summary>
/// The part of ftfy 6.x <c>fix_text</c> (default configuration) that the reference CLIP tokenizer runs first and
/// that matters for ordinary text. Written from ftfy's documented behaviour, not from its code.
/// </summary>
/// <remarks>
/// <para>As in ftfy, the text is cut after every '\n' and each line is passed through the steps below, in this
/// order, repeatedly until a pass changes nothing:</para>
/// <list type="number">
/// <item>HTML entities (<c>&amp;name;</c> from the HTML5 table, the upper-cased form of an all-lower-case name whose
/// upper-cased form is not itself an entity (<c>&amp;NTILDE;</c> → Ñ), and numeric <c>&amp;#..;</c>/<c>&amp;#x..;</c>
/// references; a ';' is required). Skipped from the first line that contains '&lt;' on, as ftfy's "auto" mode.</item>
/// <item>Mojibake, conservatively: a line that is not ASCII, re-encodes as Latin-1 or as Windows-1252 (with the five
/// undefined bytes kept as C1 code points) and whose bytes are then well-formed UTF-8 with at least one multi-byte
/// sequence is replaced by that UTF-8 decoding (<c>cafÃ©</c> → <c>café</c>, <c>Â\u00A0</c> → NBSP).</item>
/// <item>C1 controls U+0080..U+009F → the Windows-1252 character of that byte (undefined bytes stay).</item>
/// <item>Latin ligatures and digraphs (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ Ĳ ĳ ŉ Ǆ..ǌ Ǳ..ǳ) → their letters.</item>
/// <item>Character width: U+3000 → ' ', full-width and half-width forms U+FF01..U+FFEF → their NFKC form.</item>
/// <item>Curly quotes: U+2018..U+201B and U+02BC → ', U+201C..U+201F → ".</item>
/// <item>Line breaks: \r\n, \r, U+2028, U+2029, U+0085 → \n.</item>
/// <item>Unpaired surrogates → U+FFFD.</item>
/// <item>ANSI terminal escapes <c>ESC [ (digits|;)* letter</c> removed.</item>
/// <item>Control characters removed: U+0000..U+0008, U+000B, U+000E..U+001F, U+007F, U+206A..U+206F, U+FEFF,
/// U+FFF9..U+FFFC (tab, \n, \f, \r stay).</item>
/// <item>NFC normalisation (Unicode 14, as Python 3.11).</item>
/// </list>
/// <para>Not covered: ftfy's statistical "badness" heuristic (mojibake is only undone when a whole line decodes,
/// so mixed lines with one mis-decoded word stay as they are), mojibake through other code pages (Windows-1251,
/// MacRoman, CP437, ISO-8859-2, ...), <c>restore_byte_a0</c> (UTF-8 whose NBSP byte became a space),
/// <c>replace_lossy_sequences</c>, <c>decode_inconsistent_utf8</c>, the "utf-8-variants" codec (CESU-8 and Java's
/// modified UTF-8), and the segment limit <c>max_decode_length</c>.</para>
/// </remarks>
internal static class TextFixer
{
    private static readonly Dictionary<string, string> s_upperEntities = BuildUpperEntities();
    private static readonly Dictionary<int, string> s_width = CodePointRanges.ToMap(TextFixerData.WidthCodes, TextFixerData.WidthValues);
    private static readonly Dictionary<int, string> s_ligatures =
        CodePointRanges.ToMap(TextFixerData.LigatureCodes, TextFixerData.LigatureValues);

    // Windows-1252 0x80..0x9F; the undefined bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D keep their C1 code point.
    private const string Cp1252High =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    private static readonly Dictionary<char, byte> s_cp1252Bytes = BuildCp1252Bytes();

    public static string Fix(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool unescapeHtml = true;
        int pos = 0;
        while (pos < text.Length)
        {
            int newline = text.IndexOf('\n', pos);
            int end = newline < 0 ? text.Length : newline + 1;
            string segment = text[pos..end];
            if (unescapeHtml && segment.Contains('<', StringComparison.Ordinal))
            {
                unescapeHtml = false;
            }

            sb.Append(FixSegment(segment, unescapeHtml));
            pos = end;
        }

        return sb.ToString();
    }

    private static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            string original = text;
            if (unescapeHtml)
            {
                text = UnescapeHtml(text);
            }

            text = FixMojibake(text);
            text = FixC1Controls(text);
            text = MapCodePoints(text, s_ligatures);
            text = MapCodePoints(text, s_width);
            text = UncurlQuotes(text);
            text = FixLineBreaks(text);
            text = FixSurrogates(text);
            text = RemoveTerminalEscapes(text);
            text = RemoveControlChars(text);
            text = CanonicalComposition.Nfc(text);
            if (text == original)
            {
                return text;
            }
        }
    }

    /// <summary>ftfy's entity rule: <c>&amp;#?[0-9A-Za-z]{1,24};</c>, replaced only when the whole reference decodes.</summary>
    internal static string UnescapeHtml(string text)
    {
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '&' && TryEntity(text, i, out int end, out string? replacement))
            {
                sb.Append(replacement);
                i = end;
            }
            else
            {
                sb.Append(text[i]);
                i++;
            }
        }

        return sb.ToString();
    }

    private static bool TryEntity(string text, int amp, out int end, out string? replacement)
    {
        replacement = null;
        end = -1;
        int j = amp + 1;
        bool numeric = j < text.Length && text[j] == '#';
        if (numeric)
        {
            j++;
        }

        int k = j;
        while (k < text.Length && k - j < 24 && char.IsAsciiLetterOrDigit(text[k]))
        {
            k++;
        }

        if (k == j || k >= text.Length || text[k] != ';')
        {
            // With '#' absent the regex could not match any other way: '#' is not alphanumeric.
            return false;
        }

        end = k + 1;
        string reference = text[amp..end];
        if (numeric)
        {
            string decoded = PythonHtml.Unescape(reference);
            replacement = decoded.Contains(';', StringComparison.Ordinal) ? reference : decoded;
            return true;
        }

        string name = reference[1..];
        if (PythonHtml.TryGetEntity(name, out string value) || s_upperEntities.TryGetValue(name, out value!))
        {
            replacement = value;
            return true;
        }

        replacement = reference;
        return true;
    }

    internal static string FixMojibake(string text)
    {
        bool ascii = true;
        foreach (char c in text)
        {
            if (c >= 0x80)
            {
                ascii = false;
                break;
            }
        }

        if (ascii)
        {
            return text;
        }

        // Latin-1 first, then Windows-1252, as ftfy tries its single-byte encodings.
        byte[]? bytes = EncodeLatin1(text) ?? EncodeCp1252(text);
        if (bytes is null)
        {
            return text;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return text;
        }
    }

    private static byte[]? EncodeLatin1(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] > 0xFF)
            {
                return null;
            }

            bytes[i] = (byte)text[i];
        }

        return bytes;
    }

    private static byte[]? EncodeCp1252(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0x80 || (c >= 0xA0 && c <= 0xFF))
            {
                bytes[i] = (byte)c;
            }
            else if (s_cp1252Bytes.TryGetValue(c, out byte b))
            {
                bytes[i] = b;
            }
            else
            {
                return null;
            }
        }

        return bytes;
    }

    internal static string FixC1Controls(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is >= '\u0080' and <= '\u009F')
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
                sb.Append(Cp1252High[c - 0x80]);
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    private static string MapCodePoints(string text, Dictionary<int, string> map)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length;)
        {
            int cp = PythonText.CodePointAt(text, i, out int width);
            if (cp >= 0x100 && map.TryGetValue(cp, out string? mapped))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
                sb.Append(mapped);
            }
            else
            {
                sb?.Append(text, i, width);
            }

            i += width;
        }

        return sb?.ToString() ?? text;
    }

    internal static string UncurlQuotes(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            char replacement = c switch
            {
                '\u02BC' or (>= '\u2018' and <= '\u201B') => '\'',
                >= '\u201C' and <= '\u201F' => '"',
                _ => c,
            };
            if (replacement != c)
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
            }

            sb?.Append(replacement);
        }

        return sb?.ToString() ?? text;
    }

    internal static string FixLineBreaks(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace('\r', '\n')
            .Replace('\u2028', '\n')
            .Replace('\u2029', '\n')
            .Replace('\u0085', '\n');

    internal static string FixSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
                sb.Append('\uFFFD');
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>Removes <c>ESC [ (\d|;)* [A-Za-z]</c>, where \d is any Unicode decimal digit as in Python re.</summary>
    internal static string RemoveTerminalEscapes(string text)
    {
        int esc = text.IndexOf('\u001B', StringComparison.Ordinal);
        if (esc < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, esc);
        int i = esc;
        while (i < text.Length)
        {
            if (text[i] == '\u001B' && i + 1 < text.Length && text[i + 1] == '[')
            {
                int j = i + 2;
                while (j < text.Length)
                {
                    var rune = Rune.GetRuneAt(text, j);
                    if (Rune.IsDigit(rune) || rune.Value == ';')
                    {
                        j += rune.Utf16SequenceLength;
                    }
                    else
                    {
                        break;
                    }
                }

                if (j < text.Length && char.IsAsciiLetter(text[j]))
                {
                    i = j + 1;
                    continue;
                }
            }

            sb.Append(text[i]);
            i++;
        }

        return sb.ToString();
    }

    internal static bool IsRemovedControl(char c) =>
        c is <= '\u0008' or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
            or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');

    internal static string RemoveControlChars(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (IsRemovedControl(c))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    private static Dictionary<string, string> BuildUpperEntities()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < HtmlEntityData.UpperCaseNames.Length; i++)
        {
            map[HtmlEntityData.UpperCaseNames[i]] = HtmlEntityData.UpperCaseValues[i];
        }

        return map;
    }

    private static Dictionary<char, byte> BuildCp1252Bytes()
    {
        var map = new Dictionary<char, byte>();
        for (int i = 0; i < Cp1252High.Length; i++)
        {
            map[Cp1252High[i]] = (byte)(0x80 + i);
        }

        return map;
    }
}

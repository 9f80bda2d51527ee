using System.Text;
using ClipSharp.Text.Generated;

namespace ClipSharp.Text.Cleaning;

/// <summary>
/// Python 3.11 <c>html.unescape</c>: character references matched by
/// <c>&amp;(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f &lt;&amp;#;]{1,32};?)</c>, named ones looked up in the HTML5 table
/// with a longest-prefix fallback for the names that are valid without ';', numeric ones with the HTML5 rules for
/// invalid code points.
/// </summary>
internal static class PythonHtml
{
    private const int MaxNameCodePoints = 32;

    private static readonly Dictionary<string, string> s_entities = BuildEntities();
    private static readonly Dictionary<int, string> s_invalidCharRefs =
        CodePointRanges.ToMap(HtmlEntityData.InvalidCharRefCodes, HtmlEntityData.InvalidCharRefValues);
    private static readonly HashSet<int> s_dropped = [.. HtmlEntityData.DroppedCodePoints];

    public static string Unescape(string text)
    {
        int amp = text.IndexOf('&', StringComparison.Ordinal);
        if (amp < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, amp);
        int i = amp;
        while (i < text.Length)
        {
            if (text[i] != '&')
            {
                sb.Append(text[i]);
                i++;
                continue;
            }

            int end = MatchReference(text, i + 1);
            if (end < 0)
            {
                sb.Append('&');
                i++;
                continue;
            }

            sb.Append(Replace(text.AsSpan(i + 1, end - i - 1)));
            i = end;
        }

        return sb.ToString();
    }

    /// <summary>The end (exclusive) of the reference body starting after '&amp;', or -1 when none matches.</summary>
    private static int MatchReference(string text, int start)
    {
        int n = text.Length;
        if (start < n && text[start] == '#')
        {
            int j = start + 1;
            while (j < n && char.IsAsciiDigit(text[j]))
            {
                j++;
            }

            if (j > start + 1)
            {
                return j < n && text[j] == ';' ? j + 1 : j;
            }

            if (j < n && (text[j] == 'x' || text[j] == 'X'))
            {
                int k = j + 1;
                while (k < n && char.IsAsciiHexDigit(text[k]))
                {
                    k++;
                }

                if (k > j + 1)
                {
                    return k < n && text[k] == ';' ? k + 1 : k;
                }
            }

            return -1; // '#' is excluded from the name class, so the third alternative fails too.
        }

        int i = start, count = 0;
        while (i < n && count < MaxNameCodePoints && !IsNameStop(text[i]))
        {
            PythonText.CodePointAt(text, i, out int width);
            i += width;
            count++;
        }

        if (count == 0)
        {
            return -1;
        }

        return i < n && text[i] == ';' ? i + 1 : i;
    }

    private static bool IsNameStop(char c) => c is '\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';';

    private static string Replace(ReadOnlySpan<char> body)
    {
        if (body[0] == '#')
        {
            return ReplaceNumeric(body[1..]);
        }

        string name = body.ToString();
        if (s_entities.TryGetValue(name, out string? value))
        {
            return value;
        }

        // Longest prefix (in code points, at least 2, shorter than the whole) that is a name valid without ';'.
        // Names are ASCII, so only the ASCII head of the body can match.
        int asciiHead = 0;
        while (asciiHead < name.Length && name[asciiHead] < 0x80)
        {
            asciiHead++;
        }

        int codePoints = name.EnumerateRunes().Count();
        for (int x = Math.Min(codePoints - 1, asciiHead); x > 1; x--)
        {
            if (s_entities.TryGetValue(name[..x], out value))
            {
                return value + name[x..];
            }
        }

        return "&" + name;
    }

    private static string ReplaceNumeric(ReadOnlySpan<char> digits)
    {
        if (digits[^1] == ';')
        {
            digits = digits[..^1];
        }

        bool hex = digits[0] is 'x' or 'X';
        if (hex)
        {
            digits = digits[1..];
        }

        // Anything above U+10FFFF becomes U+FFFD, so saturating at a larger bound keeps the result exact.
        const long Saturated = 0x7FFFFFFF;
        long num = 0;
        foreach (char c in digits)
        {
            int d = char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
            num = Math.Min(Saturated, (num * (hex ? 16 : 10)) + d);
        }

        if (num <= int.MaxValue && s_invalidCharRefs.TryGetValue((int)num, out string? fixedText))
        {
            return fixedText;
        }

        if (num is >= 0xD800 and <= 0xDFFF || num > 0x10FFFF)
        {
            return "\uFFFD";
        }

        return s_dropped.Contains((int)num) ? string.Empty : char.ConvertFromUtf32((int)num);
    }

    private static Dictionary<string, string> BuildEntities()
    {
        var map = new Dictionary<string, string>(HtmlEntityData.Names.Length, StringComparer.Ordinal);
        for (int i = 0; i < HtmlEntityData.Names.Length; i++)
        {
            map[HtmlEntityData.Names[i]] = HtmlEntityData.Values[i];
        }

        return map;
    }

    /// <summary>The HTML5 value of a name that includes its ';', for the ftfy-style fixer.</summary>
    public static bool TryGetEntity(string nameWithSemicolon, out string value) =>
        s_entities.TryGetValue(nameWithSemicolon, out value!);
}

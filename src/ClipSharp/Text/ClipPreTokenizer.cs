using ClipSharp.Text.Cleaning;
using ClipSharp.Text.Generated;
using Microsoft.ML.Tokenizers;

namespace ClipSharp.Text;

/// <summary>
/// Splits cleaned text like <c>regex.findall</c> with the reference pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// under IGNORECASE. A hand-written scanner over classes generated from the Python <c>regex</c> module: .NET's
/// Regex uses its own Unicode version for \p{L}/\p{N}, and its case-insensitive matching differs (in <c>regex</c>,
/// 's' also matches U+017F, so <c>'ſ</c> is a contraction, and U+0345 is matched by no alternative, so it is dropped).
/// </summary>
internal sealed class ClipPreTokenizer : PreTokenizer
{
    public static ClipPreTokenizer Instance { get; } = new();

    private static readonly string[] s_contractions = ["s", "t", "re", "ve", "m", "ll", "d"];
    private static readonly string[] s_specials = ["<|startoftext|>", "<|endoftext|>"];

    private ClipPreTokenizer()
    {
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    public static List<(int Offset, int Length)> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i);
            if (end > i)
            {
                pieces.Add((i, end - i));
                i = end;
            }
            else
            {
                PythonText.CodePointAt(text, i, out int width);
                i += width;
            }
        }

        return pieces;
    }

    /// <summary>The end of the match that starts at <paramref name="start"/>, or <paramref name="start"/> for none.</summary>
    private static int MatchAt(string text, int start)
    {
        foreach (string special in s_specials)
        {
            int end = MatchLiteral(text, start, special);
            if (end >= 0)
            {
                return end;
            }
        }

        if (text[start] == '\'')
        {
            foreach (string suffix in s_contractions)
            {
                int end = MatchLiteral(text, start + 1, suffix);
                if (end >= 0)
                {
                    return end;
                }
            }
        }

        int cp = PythonText.CodePointAt(text, start, out int width);
        if (IsLetter(cp))
        {
            int i = start + width;
            while (i < text.Length && IsLetter(PythonText.CodePointAt(text, i, out width)))
            {
                i += width;
            }

            return i;
        }

        if (IsNumber(cp))
        {
            return start + width;
        }

        if (IsOther(cp))
        {
            int i = start + width;
            while (i < text.Length && IsOther(PythonText.CodePointAt(text, i, out width)))
            {
                i += width;
            }

            return i;
        }

        // Whitespace, and U+0345, which no alternative matches: the reference drops it.
        return start;
    }

    private static int MatchLiteral(string text, int start, string literal)
    {
        int i = start;
        foreach (char expected in literal)
        {
            if (i >= text.Length)
            {
                return -1;
            }

            int cp = PythonText.CodePointAt(text, i, out int width);
            if (!MatchesCaseless(expected, cp))
            {
                return -1;
            }

            i += width;
        }

        return i;
    }

    private static bool MatchesCaseless(char expected, int cp)
    {
        if (cp == expected)
        {
            return true;
        }

        for (int k = 0; k < RegexClassData.CaselessLetters.Length; k++)
        {
            if (RegexClassData.CaselessLetters[k] == expected && RegexClassData.CaselessCodes[k] == cp)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLetter(int cp) => cp < 0x80
        ? char.IsAsciiLetter((char)cp)
        : CodePointRanges.Contains(RegexClassData.LetterRanges, cp);

    private static bool IsNumber(int cp) => cp < 0x80
        ? char.IsAsciiDigit((char)cp)
        : CodePointRanges.Contains(RegexClassData.NumberRanges, cp);

    private static bool IsOther(int cp) => cp < 0x80
        ? !char.IsAsciiLetterOrDigit((char)cp) && !IsAsciiSpace(cp)
        : CodePointRanges.Contains(RegexClassData.OtherRanges, cp);

    private static bool IsAsciiSpace(int cp) => CodePointRanges.Contains(RegexClassData.SpaceRanges, cp);
}

using System.Text;
using ClipSharp.Text.Generated;

namespace ClipSharp.Text.Cleaning;

/// <summary>
/// Python 3.11 string semantics the reference cleaning relies on: <c>str.isspace</c> (the <c>\s</c> of <c>re</c>),
/// <c>str.strip()</c>, <c>re.sub(r'\s+', ' ', s)</c> and <c>str.lower()</c>. .NET differs on each: char.IsWhiteSpace
/// lacks U+001C..U+001F, and ToLowerInvariant is a simple 1:1 mapping without the final-sigma rule or the
/// multi-character lower case of U+0130.
/// </summary>
internal static class PythonText
{
    private const int CapitalSigma = 0x3A3;

    private static readonly HashSet<int> s_spaces = [.. PythonCaseData.SpaceCodes];
    private static readonly Dictionary<int, string> s_lower = CodePointRanges.ToMap(PythonCaseData.LowerCodes, PythonCaseData.LowerValues);

    /// <summary>str.isspace() of one code point; every such code point is in the BMP.</summary>
    public static bool IsSpace(int codePoint) => s_spaces.Contains(codePoint);

    public static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    /// <summary><c>re.sub(r'\s+', ' ', text)</c>.</summary>
    public static string CollapseSpaces(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool inRun = false;
        foreach (char c in text)
        {
            if (IsSpace(c))
            {
                if (!inRun)
                {
                    sb.Append(' ');
                    inRun = true;
                }
            }
            else
            {
                sb.Append(c);
                inRun = false;
            }
        }

        return sb.ToString();
    }

    /// <summary><c>str.lower()</c>: full Unicode lower-case mapping plus the Final_Sigma context of U+03A3.</summary>
    public static string Lower(string text)
    {
        StringBuilder? sb = null;
        int i = 0;
        while (i < text.Length)
        {
            int cp = CodePointAt(text, i, out int width);
            string? mapped = null;
            if (cp == CapitalSigma)
            {
                mapped = IsFinalSigma(text, i) ? "\u03C2" : "\u03C3";
            }
            else if (cp >= 'A' && (cp <= 'Z' || cp >= 0xC0))
            {
                s_lower.TryGetValue(cp, out mapped);
            }

            if (mapped is not null)
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

    // Final_Sigma: a cased letter (skipping case-ignorables) before, and no cased letter (skipping case-ignorables) after.
    private static bool IsFinalSigma(string text, int index)
    {
        int j = index;
        int before = -1;
        while (j > 0)
        {
            int cp = CodePointBefore(text, j, out int width);
            j -= width;
            if (!CodePointRanges.Contains(PythonCaseData.CaseIgnorableRanges, cp))
            {
                before = cp;
                break;
            }
        }

        if (before < 0 || !CodePointRanges.Contains(PythonCaseData.CasedRanges, before))
        {
            return false;
        }

        j = index + 1;
        while (j < text.Length)
        {
            int cp = CodePointAt(text, j, out int width);
            j += width;
            if (!CodePointRanges.Contains(PythonCaseData.CaseIgnorableRanges, cp))
            {
                return !CodePointRanges.Contains(PythonCaseData.CasedRanges, cp);
            }
        }

        return true;
    }

    /// <summary>The code point at <paramref name="index"/>; a lone surrogate is returned as itself, as Python holds it.</summary>
    public static int CodePointAt(string text, int index, out int width)
    {
        char c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }

        width = 1;
        return c;
    }

    private static int CodePointBefore(string text, int end, out int width)
    {
        char c = text[end - 1];
        if (char.IsLowSurrogate(c) && end >= 2 && char.IsHighSurrogate(text[end - 2]))
        {
            width = 2;
            return char.ConvertToUtf32(text[end - 2], c);
        }

        width = 1;
        return c;
    }
}

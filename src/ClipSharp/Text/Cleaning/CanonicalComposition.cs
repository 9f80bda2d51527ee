using System.Text;
using ClipSharp.Text.Generated;

namespace ClipSharp.Text.Cleaning;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition) from generated Unicode 14 tables,
/// the version of Python 3.11's unicodedata. string.Normalize cannot be used: the solution runs with invariant
/// globalization, where it does not decompose.
/// </summary>
internal static class CanonicalComposition
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, string> s_decompositions =
        CodePointRanges.ToMap(NormalizationData.DecompositionCodes, NormalizationData.DecompositionValues);
    private static readonly Dictionary<long, int> s_compositions = BuildCompositions();

    public static string Nfc(string text)
    {
        // Below U+0300 every string is already NFC: there are no combining marks and every decomposable letter recomposes.
        bool simple = true;
        foreach (char c in text)
        {
            if (c >= 0x300)
            {
                simple = false;
                break;
            }
        }

        if (simple)
        {
            return text;
        }

        var cps = new List<int>(text.Length);
        for (int i = 0; i < text.Length;)
        {
            int cp = PythonText.CodePointAt(text, i, out int width);
            i += width;
            Decompose(cp, cps);
        }

        SortMarks(cps);
        Compose(cps);
        var sb = new StringBuilder(text.Length);
        foreach (int cp in cps)
        {
            AppendCodePoint(sb, cp);
        }

        return sb.ToString();
    }

    public static int CombiningClass(int cp)
    {
        if (cp < 0x300)
        {
            return 0;
        }

        int[] t = NormalizationData.CombiningClassRanges; // (class, first, last) triples, sorted by first
        int lo = 0, hi = (t.Length / 3) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < t[(3 * mid) + 1])
            {
                hi = mid - 1;
            }
            else if (cp > t[(3 * mid) + 2])
            {
                lo = mid + 1;
            }
            else
            {
                return t[3 * mid];
            }
        }

        return 0;
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + (s / NCount));
            output.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                output.Add(TBase + (s % TCount));
            }

            return;
        }

        if (cp >= 0xC0 && s_decompositions.TryGetValue(cp, out string? d))
        {
            for (int i = 0; i < d.Length;)
            {
                output.Add(PythonText.CodePointAt(d, i, out int width));
                i += width;
            }

            return;
        }

        output.Add(cp);
    }

    // Canonical ordering: a stable sort by combining class of every run of non-starters.
    private static void SortMarks(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int cc = CombiningClass(cps[i]);
            if (cc == 0)
            {
                continue;
            }

            int j = i;
            int cp = cps[i];
            while (j > 0 && CombiningClass(cps[j - 1]) > cc)
            {
                cps[j] = cps[j - 1];
                j--;
            }

            cps[j] = cp;
        }
    }

    private static void Compose(List<int> cps)
    {
        var output = new List<int>(cps.Count);
        int starter = -1;
        int lastClass = 0;
        foreach (int cp in cps)
        {
            int cc = CombiningClass(cp);
            if (starter >= 0)
            {
                bool adjacent = output.Count - 1 == starter;
                bool unblocked = adjacent || (lastClass != 0 && lastClass < cc);
                if (unblocked && TryCompose(output[starter], cp, out int composed))
                {
                    output[starter] = composed;
                    continue;
                }
            }

            if (cc == 0)
            {
                starter = output.Count;
            }

            output.Add(cp);
            lastClass = cc;
        }

        cps.Clear();
        cps.AddRange(output);
    }

    private static bool TryCompose(int first, int second, out int composed)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composed = SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
            return true;
        }

        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composed = first + (second - TBase);
            return true;
        }

        return s_compositions.TryGetValue(((long)first << 21) | (uint)second, out composed);
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        var map = new Dictionary<long, int>(NormalizationData.CompositionResult.Length);
        for (int i = 0; i < NormalizationData.CompositionResult.Length; i++)
        {
            map[((long)NormalizationData.CompositionFirst[i] << 21) | (uint)NormalizationData.CompositionSecond[i]] =
                NormalizationData.CompositionResult[i];
        }

        return map;
    }

    internal static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp < 0x10000)
        {
            sb.Append((char)cp);
        }
        else
        {
            sb.Append(char.ConvertFromUtf32(cp));
        }
    }
}

namespace ClipSharp.Text;

/// <summary>Membership in a sorted list of inclusive code point ranges (the generated tables).</summary>
internal static class CodePointRanges
{
    // ranges: [first0, last0, first1, last1, ...], sorted and disjoint.
    public static bool Contains(int[] ranges, int codePoint)
    {
        int lo = 0, hi = (ranges.Length / 2) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (codePoint < ranges[2 * mid])
            {
                hi = mid - 1;
            }
            else if (codePoint > ranges[(2 * mid) + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    public static Dictionary<int, string> ToMap(int[] codes, string[] values)
    {
        var map = new Dictionary<int, string>(codes.Length);
        for (int i = 0; i < codes.Length; i++)
        {
            map[codes[i]] = values[i];
        }

        return map;
    }
}

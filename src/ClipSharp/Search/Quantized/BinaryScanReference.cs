namespace ClipSharp.Search.Quantized;

/// <summary>The oracle of <see cref="BinaryScan"/>: S = Σ over set bits of uᵢ, one coordinate at a time.</summary>
internal static class BinaryScanReference
{
    public static long Sum(BinaryCodes codes, QueryCode query, int vector)
    {
        int words = codes.Words;
        int block = vector / BinaryCodes.Lanes;
        int lane = vector % BinaryCodes.Lanes;
        long s = 0;
        for (int i = 0; i < query.Padded; i++)
        {
            ulong word = codes.Bits[(((block * words) + (i / 64)) * BinaryCodes.Lanes) + lane];
            if (((word >> (i % 64)) & 1) != 0)
            {
                s += query.Levels[i];
            }
        }

        return s;
    }
}

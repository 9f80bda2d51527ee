namespace ClipSharp.Data;

/// <summary>
/// A small seeded generator (SplitMix64) whose sequence is fixed by this code alone, unlike <see cref="Random"/>,
/// so shuffles, crops and synthetic scenes stay identical across runtimes and can be re-derived on resume.
/// </summary>
public sealed class DataRandom
{
    private ulong _state;

    public DataRandom(ulong seed)
    {
        _state = seed;
    }

    /// <summary>The current state; a generator built from it continues the same sequence.</summary>
    public ulong State => _state;

    /// <summary>
    /// One seed from several values (e.g. run seed, epoch, sample index): each value is folded in through the
    /// SplitMix64 finaliser, so neighbouring inputs give unrelated seeds.
    /// </summary>
    public static ulong Mix(params ReadOnlySpan<long> values)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (long v in values)
        {
            h = Finalise(h ^ Finalise((ulong)v + 0x632BE59BD9B4E019UL));
        }

        return h;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Finalise(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double NextDouble(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>Uniform integer in [0, count), without modulo bias.</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ulong bound = (ulong)count;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r >= limit);
        return (int)(r % bound);
    }

    /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
    public int NextInclusive(int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        return min + NextInt(max - min + 1);
    }

    public bool NextBool() => (NextUInt64() >> 63) != 0;

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    /// <summary>Fisher-Yates in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

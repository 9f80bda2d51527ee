namespace ClipSharp.Data.Synthetic;

/// <summary>Draws scenes from a seeded generator, using only the combinations it is given.</summary>
public static class SceneSampler
{
    // Base tones: greys and beiges, all with low saturation so no object colour is near them.
    private static readonly (byte R, byte G, byte B)[] s_tones =
    [
        (70, 70, 70), (105, 105, 105), (140, 140, 140), (175, 175, 175), (210, 210, 210), (235, 235, 235),
        (215, 205, 180), (190, 180, 160), (150, 140, 125), (225, 220, 205),
    ];

    /// <summary>The share of training scenes with a single object that <c>clip data synth</c> writes.</summary>
    public const double DefaultSingleObjectShare = 0.5;

    /// <summary>
    /// A training scene: one object with probability <paramref name="singleObjectShare"/>, else two or three (3:2) in
    /// distinct cells; a quarter of the multi-object scenes repeat one combination and size, so counting captions
    /// ("two blue circles") occur.
    /// </summary>
    public static SynthScene Training(
        DataRandom random, IReadOnlyList<(int Color, SynthShape Shape)> combinations, double singleObjectShare = DefaultSingleObjectShare)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(combinations);
        if (!(singleObjectShare is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(singleObjectShare), singleObjectShare, "the share of single-object scenes is 0 to 1.");
        }

        double u = random.NextDouble();
        int count = u < singleObjectShare ? 1 : u < singleObjectShare + ((1 - singleObjectShare) * 0.6) ? 2 : 3;
        bool repeat = count > 1 && random.NextDouble() < 0.25;
        int[] cells = [.. Enumerable.Range(0, 9)];
        random.Shuffle(cells.AsSpan());
        var objects = new SynthObject[count];
        (int Color, SynthShape Shape) combination = random.Pick(combinations);
        bool large = random.NextBool();
        for (int i = 0; i < count; i++)
        {
            if (i > 0 && !repeat)
            {
                combination = random.Pick(combinations);
                large = random.NextBool();
            }

            objects[i] = NewObject(random, combination, large, cells[i]);
        }

        return new SynthScene(objects, Background(random));
    }

    /// <summary>A single object of one combination at a random size and cell: the evaluation images.</summary>
    public static SynthScene Single(DataRandom random, (int Color, SynthShape Shape) combination)
    {
        ArgumentNullException.ThrowIfNull(random);
        bool large = random.NextBool();
        int cell = random.NextInt(9);
        return new SynthScene([NewObject(random, combination, large, cell)], Background(random));
    }

    /// <summary>
    /// A scene of <paramref name="count"/> objects of distinct combinations in distinct cells, each at a random size:
    /// the localisation evaluation's scenes, where every object can be named apart from the others.
    /// </summary>
    public static SynthScene Distinct(DataRandom random, IReadOnlyList<(int Color, SynthShape Shape)> combinations, int count)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(combinations);
        if (count < 1 || count > 9 || count > combinations.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a scene holds 1 to 9 objects of distinct combinations (of {combinations.Count}).");
        }

        int[] cells = [.. Enumerable.Range(0, 9)];
        random.Shuffle(cells.AsSpan());
        int[] picks = [.. Enumerable.Range(0, combinations.Count)];
        random.Shuffle(picks.AsSpan());
        var objects = new SynthObject[count];
        for (int i = 0; i < count; i++)
        {
            objects[i] = NewObject(random, combinations[picks[i]], random.NextBool(), cells[i]);
        }

        return new SynthScene(objects, Background(random));
    }

    private static SynthObject NewObject(DataRandom random, (int Color, SynthShape Shape) combination, bool large, int cell) =>
        new(combination.Shape, combination.Color, large, cell, (float)random.NextDouble(-1, 1), (float)random.NextDouble(-1, 1));

    private static SynthBackground Background(DataRandom random)
    {
        double u = random.NextDouble();
        SynthBackgroundKind kind = u < 0.4 ? SynthBackgroundKind.Plain
            : u < 0.6 ? SynthBackgroundKind.Striped
            : u < 0.8 ? SynthBackgroundKind.Checkered
            : SynthBackgroundKind.Noisy;
        (byte R, byte G, byte B) tone = s_tones[random.NextInt(s_tones.Length)];
        // The second tone of stripes and checks: the same hue, clearly lighter or darker.
        int delta = tone.R > 150 ? -45 : 45;
        (byte R, byte G, byte B) second = (Shift(tone.R, delta), Shift(tone.G, delta), Shift(tone.B, delta));
        return new SynthBackground(kind, tone, second, random.NextInclusive(3, 8), random.NextInt(3), random.NextUInt64());
    }

    private static byte Shift(byte v, int delta) => (byte)Math.Clamp(v + delta, 0, 255);
}

namespace ClipSharp.Data.Synthetic;

/// <summary>
/// The colour×shape combinations kept out of training: every shape with exactly two colours, every colour at most
/// twice, drawn from the seed, so each colour and each shape still appears in training with other partners.
/// </summary>
public sealed class HeldOutSplit
{
    public const int ColorsPerShape = 2;
    public const int MaxPerColor = 2;

    private readonly bool[,] _heldOut;

    private HeldOutSplit(bool[,] heldOut)
    {
        _heldOut = heldOut;
        var held = new List<(int, SynthShape)>();
        var seen = new List<(int, SynthShape)>();
        foreach (SynthShape shape in SynthVocabulary.Shapes)
        {
            for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
            {
                (heldOut[c, (int)shape] ? held : seen).Add((c, shape));
            }
        }

        HeldOut = held;
        Seen = seen;
    }

    /// <summary>The held-out combinations, ordered by shape then colour.</summary>
    public IReadOnlyList<(int Color, SynthShape Shape)> HeldOut { get; }

    /// <summary>The combinations that occur in training, ordered by shape then colour.</summary>
    public IReadOnlyList<(int Color, SynthShape Shape)> Seen { get; }

    public bool IsHeldOut(int color, SynthShape shape) => _heldOut[color, (int)shape];

    public static HeldOutSplit Create(long seed)
    {
        int colors = SynthVocabulary.Colors.Count;
        var random = new DataRandom(DataRandom.Mix(seed, 0x5E1D));
        var heldOut = new bool[colors, SynthVocabulary.Shapes.Count];
        var perColor = new int[colors];
        foreach (SynthShape shape in SynthVocabulary.Shapes)
        {
            // Colours with room left; with 8 colours × 2 ≥ 6 shapes × 2 there are always at least two.
            int[] open = [.. Enumerable.Range(0, colors).Where(c => perColor[c] < MaxPerColor)];
            random.Shuffle(open.AsSpan());
            foreach (int c in open.AsSpan(0, ColorsPerShape))
            {
                heldOut[c, (int)shape] = true;
                perColor[c]++;
            }
        }

        return new HeldOutSplit(heldOut);
    }
}

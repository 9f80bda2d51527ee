namespace ClipSharp.Search;

/// <summary>Parameters of the <see cref="QuantizedSearch"/> engine.</summary>
public sealed record QuantizedSettings
{
    public static QuantizedSettings Default { get; } = new();

    /// <summary>
    /// How far, in standard errors of its estimate, a vector may fall below the k-th best exact score found so far
    /// and still be re-ranked exactly. Larger is slower and closer to exact: the chance that a true neighbour is
    /// missed is about the normal tail beyond this many standard deviations.
    /// </summary>
    public float Margin { get; init; } = 1.75f;

    /// <summary>Candidates per query, as a multiple of k, scored exactly first to set the bar for the rest.</summary>
    public int Oversampling { get; init; } = 8;

    /// <summary>
    /// Keep an int8 copy of the rows (a quarter of their float32 size) to score the candidates that pass the 1-bit
    /// estimate; only the best few are then scored from the float32 rows. Off: every candidate reads its float32 row.
    /// </summary>
    public bool Int8Rows { get; init; } = true;

    /// <summary>Seed of the rotation. Codes and queries only need to agree with each other.</summary>
    public int Seed { get; init; } = 0x5EED;
}

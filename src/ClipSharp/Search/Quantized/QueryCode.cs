namespace ClipSharp.Search.Quantized;

/// <summary>
/// A rotated query rounded to 4-bit levels uᵢ ∈ [0, 15] (qᵢ ≈ Low + Step·uᵢ) and stored as four bit planes, so that
/// Σ over a code's set bits of uᵢ is Σₚ 2ᵖ·popcount(code AND planeₚ): the scan never touches a float.
/// </summary>
internal sealed class QueryCode
{
    public const int Planes = 4;
    private const int MaxLevel = (1 << Planes) - 1;

    private QueryCode(int padded, ulong[] planes, byte[] levels, float low, float step, int levelSum)
    {
        Padded = padded;
        PlaneBits = planes;
        Levels = levels;
        Low = low;
        Step = step;
        LevelSum = levelSum;
    }

    public int Padded { get; }

    public int Words => Padded / 64;

    /// <summary>[Planes, Words]: bit i of plane p is bit p of uᵢ.</summary>
    public ulong[] PlaneBits { get; }

    /// <summary>uᵢ, for the reference scan.</summary>
    public byte[] Levels { get; }

    public float Low { get; }

    public float Step { get; }

    /// <summary>Σᵢ uᵢ.</summary>
    public int LevelSum { get; }

    // rotated: [P], P a multiple of 64.
    public static QueryCode Create(ReadOnlySpan<float> rotated)
    {
        int padded = rotated.Length;
        float low = System.Numerics.Tensors.TensorPrimitives.Min(rotated);
        float high = System.Numerics.Tensors.TensorPrimitives.Max(rotated);

        // A constant vector has no spread to encode; any positive step represents it exactly with u = 0.
        float step = high > low ? (high - low) / MaxLevel : 1f;
        var levels = new byte[padded];
        var planes = new ulong[Planes * (padded / 64)];
        int sum = 0;
        for (int i = 0; i < padded; i++)
        {
            int u = Math.Clamp((int)MathF.Round((rotated[i] - low) / step), 0, MaxLevel);
            levels[i] = (byte)u;
            sum += u;
            for (int p = 0; p < Planes; p++)
            {
                if (((u >> p) & 1) != 0)
                {
                    planes[(p * (padded / 64)) + (i >> 6)] |= 1UL << (i & 63);
                }
            }
        }

        return new QueryCode(padded, planes, levels, low, step, sum);
    }
}

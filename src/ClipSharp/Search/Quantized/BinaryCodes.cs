using ClipSharp.Tensors;

namespace ClipSharp.Search.Quantized;

/// <summary>
/// One bit per rotated coordinate for every vector: bᵢ = [o'ᵢ &gt; 0], where o' is the vector after the
/// <see cref="RandomizedHadamard"/> rotation. The code stands for the unit vector s = (2b − 1)/√P, and
/// ⟨q, o⟩ ≈ |o|·⟨q', s⟩ / ⟨ô', s⟩ (ô' = o'/|o|) is an unbiased estimate whose error has a known spread:
/// the part of ô' that s misses, √(1 − ⟨ô', s⟩²), projected on a query direction over P − 1 free dimensions.
/// Codes are laid out in blocks of <see cref="Lanes"/> vectors, word-major, so that one 512-bit load holds the same
/// 64 coordinates of eight vectors and the popcounts of a block land in one register each.
/// </summary>
internal sealed class BinaryCodes
{
    public const int Lanes = 8;

    private BinaryCodes(RandomizedHadamard rotation, int count, ulong[] bits, float[] scales, float[] codeVariances, int[] ones)
    {
        Rotation = rotation;
        Count = count;
        Bits = bits;
        Scales = scales;
        CodeVariances = codeVariances;
        Ones = ones;
        for (int j = 0; j < count; j++)
        {
            MaxCodeVariance = Math.Max(MaxCodeVariance, codeVariances[j]);
            MaxScaleSquared = Math.Max(MaxScaleSquared, scales[j] * scales[j]);
        }
    }

    public RandomizedHadamard Rotation { get; }

    public int Count { get; }

    public int Words => Rotation.Padded / 64;

    public int Blocks => (Count + Lanes - 1) / Lanes;

    /// <summary>[Blocks, Words, Lanes].</summary>
    public ulong[] Bits { get; }

    /// <summary>|o| / ⟨ô', s⟩ per vector: turns ⟨q', s⟩ into the estimate of ⟨q, o⟩ (0 for a zero vector).</summary>
    public float[] Scales { get; }

    /// <summary>The variance of the estimate's error that comes from the code alone, per vector.</summary>
    public float[] CodeVariances { get; }

    /// <summary>Set bits per vector.</summary>
    public int[] Ones { get; }

    public float MaxCodeVariance { get; }

    public float MaxScaleSquared { get; }

    public long Bytes => (Bits.LongLength * sizeof(ulong)) + ((long)Count * (sizeof(float) + sizeof(float) + sizeof(int)));

    // rows: [N, D]
    public static BinaryCodes Build(ReadOnlyMemory<float> rows, int dimension, int seed)
    {
        if (dimension < 1 || rows.Length % dimension != 0)
        {
            throw new ArgumentException($"rows ({rows.Length} floats) must be whole {dimension}-wide rows.", nameof(rows));
        }

        var rotation = new RandomizedHadamard(dimension, seed);
        int count = rows.Length / dimension;
        int words = rotation.Padded / 64;
        int blocks = (count + Lanes - 1) / Lanes;
        var bits = new ulong[(long)blocks * words * Lanes];
        var scales = new float[count];
        var variances = new float[count];
        var ones = new int[count];
        int threads = Math.Max(1, Math.Min(Parallelism.MaxThreads, blocks / 16));
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var rotated = new float[rotation.Padded];
            int first = (int)((long)blocks * t / threads) * Lanes;
            int end = Math.Min(count, (int)((long)blocks * (t + 1) / threads) * Lanes);
            for (int j = first; j < end; j++)
            {
                rotation.Rotate(rows.Span.Slice(j * dimension, dimension), rotated);
                Encode(rotated, bits.AsSpan((j / Lanes * words * Lanes) + (j % Lanes)), out scales[j], out variances[j], out ones[j]);
            }
        });

        return new BinaryCodes(rotation, count, bits, scales, variances, ones);
    }

    // rotated: [P]; lane: this vector's first word, the next word Lanes further on.
    private static void Encode(ReadOnlySpan<float> rotated, Span<ulong> lane, out float scale, out float variance, out int ones)
    {
        int padded = rotated.Length;
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(rotated);
        ones = 0;
        if (!(norm > 0) || !float.IsFinite(norm))
        {
            // A zero (or broken) vector estimates 0 with no uncertainty: exact re-ranking scores it as it is.
            scale = 0f;
            variance = 0f;
            return;
        }

        double absSum = 0;
        for (int w = 0; w < padded / 64; w++)
        {
            ulong word = 0;
            for (int i = 0; i < 64; i++)
            {
                float x = rotated[(w * 64) + i];
                absSum += Math.Abs(x);
                if (x > 0)
                {
                    word |= 1UL << i;
                }
            }

            lane[w * Lanes] = word;
            ones += System.Numerics.BitOperations.PopCount(word);
        }

        // ⟨ô', s⟩ = Σ|o'ᵢ| / (|o|·√P): about √(2/π) ≈ 0.8 for a vector spread evenly by the rotation.
        double alignment = absSum / (norm * Math.Sqrt(padded));
        scale = (float)(norm / alignment);
        variance = (float)(norm * norm * (1 - (alignment * alignment)) / (alignment * alignment * (padded - 1)));
    }
}

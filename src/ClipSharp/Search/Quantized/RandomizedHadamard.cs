using System.Numerics;
using System.Runtime.Intrinsics;

namespace ClipSharp.Search.Quantized;

/// <summary>
/// A random orthogonal transform of the embedding space: the width is zero-padded to a power of two, then three
/// rounds of random sign flips each followed by a Walsh–Hadamard transform. It preserves inner products, and after
/// it every coordinate of a vector carries about the same share of its length, whatever the embedding's own axes:
/// that is what makes one sign bit per coordinate an even-handed code. O(P log P) per vector instead of the P²
/// of a dense rotation.
/// </summary>
internal sealed class RandomizedHadamard
{
    private const int Rounds = 3;

    // [Rounds, Padded] of ±1: fixed by the seed, so a code built today matches a query rotated tomorrow.
    private readonly float[] _signs;
    private readonly float _scale;

    public RandomizedHadamard(int dimension, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        Padded = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(dimension, 64));
        var random = new Random(seed);
        _signs = new float[Rounds * Padded];
        for (int i = 0; i < _signs.Length; i++)
        {
            _signs[i] = random.Next(2) == 0 ? -1f : 1f;
        }

        // The unnormalised transform scales lengths by √P per round; one multiply at the end undoes all rounds.
        _scale = (float)Math.Pow(Padded, -0.5 * Rounds);
    }

    public int Dimension { get; }

    /// <summary>The rotated width P: a power of two, at least 64 so that a code is whole 64-bit words.</summary>
    public int Padded { get; }

    // x: [Dimension] -> y: [Padded]
    public void Rotate(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != Dimension || y.Length != Padded)
        {
            throw new ArgumentException($"expected {Dimension} values in and room for {Padded} out, got {x.Length} and {y.Length}.");
        }

        x.CopyTo(y);
        y[Dimension..].Clear();
        for (int round = 0; round < Rounds; round++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(y, _signs.AsSpan(round * Padded, Padded), y);
            WalshHadamard(y);
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(y, _scale, y);
    }

    // In place, unnormalised: butterflies (a, b) -> (a + b, a - b) at strides 1, 2, 4, ... P/2.
    internal static void WalshHadamard(Span<float> v)
    {
        int n = v.Length;
        for (int h = 1; h < n; h <<= 1)
        {
            if (Vector512.IsHardwareAccelerated && h >= Vector512<float>.Count)
            {
                Butterflies512(v, h);
                continue;
            }

            if (Vector256.IsHardwareAccelerated && h >= Vector256<float>.Count)
            {
                Butterflies256(v, h);
                continue;
            }

            for (int i = 0; i < n; i += 2 * h)
            {
                for (int j = i; j < i + h; j++)
                {
                    float a = v[j];
                    float b = v[j + h];
                    v[j] = a + b;
                    v[j + h] = a - b;
                }
            }
        }
    }

    private static void Butterflies512(Span<float> v, int h)
    {
        for (int i = 0; i < v.Length; i += 2 * h)
        {
            for (int j = i; j < i + h; j += Vector512<float>.Count)
            {
                var a = Vector512.Create<float>(v[j..]);
                var b = Vector512.Create<float>(v[(j + h)..]);
                (a + b).CopyTo(v[j..]);
                (a - b).CopyTo(v[(j + h)..]);
            }
        }
    }

    private static void Butterflies256(Span<float> v, int h)
    {
        for (int i = 0; i < v.Length; i += 2 * h)
        {
            for (int j = i; j < i + h; j += Vector256<float>.Count)
            {
                var a = Vector256.Create<float>(v[j..]);
                var b = Vector256.Create<float>(v[(j + h)..]);
                (a + b).CopyTo(v[j..]);
                (a - b).CopyTo(v[(j + h)..]);
            }
        }
    }
}

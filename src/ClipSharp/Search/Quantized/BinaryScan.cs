using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Search.Quantized;

/// <summary>
/// The exhaustive pass over all codes: per vector the integer S = Σ over set bits of the query levels uᵢ, turned
/// into the estimate of ⟨q, o⟩. The Vector512 path counts bits of eight vectors at once with a nibble lookup
/// (VPSHUFB) and sums bytes per vector with VPSADBW; the scalar path uses POPCNT per 64-bit word. Both give the
/// same integers, so the estimates do not depend on the path.
/// </summary>
internal static class BinaryScan
{
    // Byte counters hold at most 8 per word: flush them to 64-bit sums before 255 could be passed.
    private const int WordsPerFlush = 31;

    /// <summary>Estimates for the vectors of blocks [blockStart, blockEnd) into estimates[first vector of blockStart ..].</summary>
    public static void Estimate(BinaryCodes codes, QueryCode query, int blockStart, int blockEnd, Span<float> estimates, bool vector = true)
    {
        Span<ulong> sums = stackalloc ulong[BinaryCodes.Lanes];
        float sqrtP = MathF.Sqrt(query.Padded);

        // ⟨q', s⟩·√P = 2·Σ_{b=1} q'ᵢ − Σ q'ᵢ, with q'ᵢ = Low + Step·uᵢ.
        float perOne = 2 * query.Low / sqrtP;
        float perLevel = 2 * query.Step / sqrtP;
        float offset = ((query.Low * query.Padded) + (query.Step * query.LevelSum)) / sqrtP;
        bool simd = vector && Avx512BW.IsSupported;
        for (int block = blockStart; block < blockEnd; block++)
        {
            BlockSums(codes, query, block, sums, simd);

            int first = block * BinaryCodes.Lanes;
            int lanes = Math.Min(BinaryCodes.Lanes, codes.Count - first);
            for (int lane = 0; lane < lanes; lane++)
            {
                int j = first + lane;
                float inner = (perOne * codes.Ones[j]) + (perLevel * sums[lane]) - offset;
                estimates[j - (blockStart * BinaryCodes.Lanes)] = inner * codes.Scales[j];
            }
        }
    }

    /// <summary>S for the eight vectors of one block (lanes past the last vector hold 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BlockSums(BinaryCodes codes, QueryCode query, int block, Span<ulong> sums, bool vector)
    {
        if (vector && Avx512BW.IsSupported)
        {
            BlockSums512(codes, query, block, sums);
        }
        else
        {
            BlockSumsScalar(codes, query, block, sums);
        }
    }

    private static void BlockSumsScalar(BinaryCodes codes, QueryCode query, int block, Span<ulong> sums)
    {
        int words = codes.Words;
        ReadOnlySpan<ulong> bits = codes.Bits.AsSpan(block * words * BinaryCodes.Lanes, words * BinaryCodes.Lanes);
        ReadOnlySpan<ulong> planes = query.PlaneBits;
        for (int lane = 0; lane < BinaryCodes.Lanes; lane++)
        {
            ulong s = 0;
            for (int w = 0; w < words; w++)
            {
                ulong word = bits[(w * BinaryCodes.Lanes) + lane];
                for (int p = 0; p < QueryCode.Planes; p++)
                {
                    s += (ulong)BitOperations.PopCount(word & planes[(p * words) + w]) << p;
                }
            }

            sums[lane] = s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BlockSums512(BinaryCodes codes, QueryCode query, int block, Span<ulong> sums)
    {
        int words = codes.Words;
        ref ulong bits = ref MemoryMarshal.GetArrayDataReference(codes.Bits);
        ref ulong planes = ref MemoryMarshal.GetArrayDataReference(query.PlaneBits);
        nint baseOffset = (nint)block * words * BinaryCodes.Lanes;
        var nibble = Vector512.Create((byte)0x0F);
        var popcounts = Vector512.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector512<ulong> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int w0 = 0; w0 < words; w0 += WordsPerFlush)
        {
            Vector512<byte> c0 = default, c1 = default, c2 = default, c3 = default;
            int wEnd = Math.Min(words, w0 + WordsPerFlush);
            for (int w = w0; w < wEnd; w++)
            {
                // word w of the block's eight vectors
                Vector512<ulong> x = Vector512.LoadUnsafe(ref bits, (nuint)(baseOffset + (w * BinaryCodes.Lanes)));
                c0 += CountBytes(x & Vector512.Create(Unsafe.Add(ref planes, w)), nibble, popcounts);
                c1 += CountBytes(x & Vector512.Create(Unsafe.Add(ref planes, words + w)), nibble, popcounts);
                c2 += CountBytes(x & Vector512.Create(Unsafe.Add(ref planes, (2 * words) + w)), nibble, popcounts);
                c3 += CountBytes(x & Vector512.Create(Unsafe.Add(ref planes, (3 * words) + w)), nibble, popcounts);
            }

            s0 += Avx512BW.SumAbsoluteDifferences(c0, Vector512<byte>.Zero).AsUInt64();
            s1 += Avx512BW.SumAbsoluteDifferences(c1, Vector512<byte>.Zero).AsUInt64();
            s2 += Avx512BW.SumAbsoluteDifferences(c2, Vector512<byte>.Zero).AsUInt64();
            s3 += Avx512BW.SumAbsoluteDifferences(c3, Vector512<byte>.Zero).AsUInt64();
        }

        (s0 + (s1 << 1) + (s2 << 2) + (s3 << 3)).CopyTo(sums);
    }

    // Set bits per byte of x.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> CountBytes(Vector512<ulong> x, Vector512<byte> nibble, Vector512<byte> popcounts)
    {
        Vector512<byte> low = x.AsByte() & nibble;
        Vector512<byte> high = Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble;
        return Avx512BW.Shuffle(popcounts, low) + Avx512BW.Shuffle(popcounts, high);
    }
}

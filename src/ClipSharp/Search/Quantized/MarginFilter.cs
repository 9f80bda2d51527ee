using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Search.Quantized;

/// <summary>
/// Which vectors could still beat the bar τ: those whose estimate e is above τ, or below it by at most
/// margin·σ, where σ² = |q|²·(code variance) + scale²·(query rounding variance). Compared squared, sixteen at a time.
/// </summary>
internal readonly struct MarginFilter(float bar, float margin, float queryNormSquared, float roundingVariance)
{
    private readonly float _marginSquared = margin * margin;

    /// <summary>Appends the passing indices of [start, end) to <paramref name="selected"/>.</summary>
    public void Select(BinaryCodes codes, ReadOnlySpan<float> estimates, int start, int end, List<int> selected)
    {
        int j = start;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float e = ref MemoryMarshal.GetReference(estimates);
            ref float variances = ref MemoryMarshal.GetArrayDataReference(codes.CodeVariances);
            ref float scales = ref MemoryMarshal.GetArrayDataReference(codes.Scales);
            var barVector = Vector512.Create(bar);
            var marginSquared = Vector512.Create(_marginSquared);
            var normSquared = Vector512.Create(queryNormSquared);
            var rounding = Vector512.Create(roundingVariance);
            for (; j + 16 <= end; j += 16)
            {
                Vector512<float> gap = barVector - Vector512.LoadUnsafe(ref e, (nuint)j);
                Vector512<float> scale = Vector512.LoadUnsafe(ref scales, (nuint)j);
                Vector512<float> variance = (normSquared * Vector512.LoadUnsafe(ref variances, (nuint)j)) + (scale * scale * rounding);
                Vector512<float> pass = Vector512.LessThanOrEqual(gap, Vector512<float>.Zero)
                    | Vector512.LessThanOrEqual(gap * gap, marginSquared * variance);
                ulong bits = pass.ExtractMostSignificantBits();
                while (bits != 0)
                {
                    selected.Add(j + BitOperations.TrailingZeroCount(bits));
                    bits &= bits - 1;
                }
            }
        }

        for (; j < end; j++)
        {
            if (Passes(codes, estimates[j], j))
            {
                selected.Add(j);
            }
        }
    }

    /// <summary>The same test for one vector: the oracle of the vector path.</summary>
    public bool Passes(BinaryCodes codes, float estimate, int j)
    {
        float gap = bar - estimate;
        float scale = codes.Scales[j];
        float variance = (queryNormSquared * codes.CodeVariances[j]) + (scale * scale * roundingVariance);
        return gap <= 0 || gap * gap <= _marginSquared * variance;
    }
}

using System.Buffers;
using System.Numerics.Tensors;
using ClipSharp.Search.Quantized;
using ClipSharp.Tensors;

namespace ClipSharp.Search;

/// <summary>
/// Search by an exhaustive scan of 1-bit codes, then exact re-ranking: every vector gets an estimate of its cosine
/// from a code of one bit per dimension (1/32 of the float32 row, so a million 512-d embeddings scan as 64 MB), and
/// exactly those vectors whose estimate could still beat the k-th best exact score, given the estimate's known
/// error, are scored exactly. Unlike a graph index its recall does not depend on how the data is distributed, and it
/// builds in seconds; its cost grows linearly with the count.
/// </summary>
public sealed class QuantizedSearch
{
    // Fewer blocks than this per thread are not worth a thread.
    private const int MinBlocksPerThread = 1024;

    private readonly ReadOnlyMemory<float> _rows;
    private readonly BinaryCodes _codes;
    private readonly QuantizedSettings _settings;

    private QuantizedSearch(ReadOnlyMemory<float> rows, int dimension, BinaryCodes codes, QuantizedSettings settings)
    {
        _rows = rows;
        Dimension = dimension;
        _codes = codes;
        _settings = settings;
    }

    public int Dimension { get; }

    public int Count => _codes.Count;

    /// <summary>Memory taken by the codes (the rows themselves are the caller's).</summary>
    public long CodeBytes => _codes.Bytes;

    /// <summary>Encodes rows [N, D]; the engine keeps a reference to them for exact re-ranking.</summary>
    public static QuantizedSearch Build(ReadOnlyMemory<float> rows, int dimension, QuantizedSettings? settings = null)
    {
        settings ??= QuantizedSettings.Default;
        if (!(settings.Margin >= 0) || settings.Oversampling < 1)
        {
            throw new ArgumentException($"invalid settings: margin {settings.Margin} must be ≥ 0 and oversampling {settings.Oversampling} ≥ 1.", nameof(settings));
        }

        return new QuantizedSearch(rows, dimension, BinaryCodes.Build(rows, dimension, settings.Seed), settings);
    }

    /// <summary>The same codes searched with other settings (the rotation seed must stay the same).</summary>
    public QuantizedSearch WithSettings(QuantizedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Seed != _settings.Seed)
        {
            throw new ArgumentException("the codes were built with another rotation seed; build them again instead.", nameof(settings));
        }

        return new QuantizedSearch(_rows, Dimension, _codes, settings);
    }

    /// <summary>The k rows with the highest inner product with the query [D], best first, with exact scores.</summary>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k) => Search(query, k, out _);

    /// <summary>As <see cref="Search(ReadOnlySpan{float}, int)"/>; <paramref name="reranked"/> counts the exact scores computed.</summary>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k, out int reranked)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"the query has {query.Length} values but the rows are {Dimension} wide.", nameof(query));
        }

        reranked = 0;
        if (Count == 0)
        {
            return [];
        }

        float[] q = query.ToArray();
        var rotated = new float[_codes.Rotation.Padded];
        _codes.Rotation.Rotate(q, rotated);
        QueryCode code = QueryCode.Create(rotated);
        float[] estimates = ArrayPool<float>.Shared.Rent(Count);
        try
        {
            int blocks = _codes.Blocks;
            int threads = Math.Clamp(blocks / MinBlocksPerThread, 1, Parallelism.MaxThreads);
            int wanted = (int)Math.Min(Count, (long)k * _settings.Oversampling);

            // Pass 1: estimate everything; the best estimates are scored exactly to set the bar τ.
            var best = new TopK[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                (int b0, int b1) = Range(blocks, threads, t);
                BinaryScan.Estimate(_codes, code, b0, b1, estimates.AsSpan(b0 * BinaryCodes.Lanes));
                var heap = new TopK(wanted);
                int end = Math.Min(Count, b1 * BinaryCodes.Lanes);
                for (int j = b0 * BinaryCodes.Lanes; j < end; j++)
                {
                    if (estimates[j] >= heap.Worst)
                    {
                        heap.Offer(j, estimates[j]);
                    }
                }

                best[t] = heap;
            });

            var candidates = new TopK(wanted);
            foreach (TopK heap in best)
            {
                foreach (Neighbor n in heap.ToArray())
                {
                    candidates.Offer(n.Index, n.Score);
                }
            }

            var exact = new TopK(k);
            foreach (Neighbor n in candidates.ToArray())
            {
                exact.Offer(n.Index, Score(q, n.Index));
                estimates[n.Index] = float.NegativeInfinity;
            }

            int scored = wanted;
            float bar = exact.Count == k ? exact.Worst : float.NegativeInfinity;
            if (float.IsNegativeInfinity(bar))
            {
                reranked = scored;
                return exact.ToArray();
            }

            // Pass 2: every vector whose estimate is within Margin standard errors of τ. τ stays fixed, so which
            // vectors are scored does not depend on the thread count.
            float queryNormSquared = TensorPrimitives.Dot(q, q);
            float roundingVariance = code.Step * code.Step / 12f;
            float margin = _settings.Margin;
            float widest = margin * MathF.Sqrt((queryNormSquared * _codes.MaxCodeVariance) + (_codes.MaxScaleSquared * roundingVariance));
            var found = new TopK[threads];
            var counts = new int[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                (int b0, int b1) = Range(blocks, threads, t);
                var heap = new TopK(k);
                int end = Math.Min(Count, b1 * BinaryCodes.Lanes);
                int n = 0;
                for (int j = b0 * BinaryCodes.Lanes; j < end; j++)
                {
                    float gap = bar - estimates[j];
                    if (gap > widest)
                    {
                        continue;
                    }

                    if (gap > 0)
                    {
                        float scale = _codes.Scales[j];
                        float variance = (queryNormSquared * _codes.CodeVariances[j]) + (scale * scale * roundingVariance);
                        if (gap * gap > margin * margin * variance)
                        {
                            continue;
                        }
                    }

                    heap.Offer(j, Score(q, j));
                    n++;
                }

                found[t] = heap;
                counts[t] = n;
            });

            foreach (TopK heap in found)
            {
                foreach (Neighbor n in heap.ToArray())
                {
                    exact.Offer(n.Index, n.Score);
                }
            }

            reranked = scored + counts.Sum();
            return exact.ToArray();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(estimates);
        }
    }

    private static (int First, int End) Range(int blocks, int threads, int t)
        => ((int)((long)blocks * t / threads), (int)((long)blocks * (t + 1) / threads));

    private float Score(float[] query, int row) => TensorPrimitives.Dot(query, _rows.Span.Slice(row * Dimension, Dimension));
}

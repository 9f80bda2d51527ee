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
    // Candidates re-scored from the float32 rows at the end, per k, when int8 rows order them first.
    private const int ExactPerK = 4;
    private const int MinExact = 32;

    // Candidates whose int8 rows are requested before they are scored.
    private const int PrefetchAhead = 8;

    private readonly BinaryCodes _codes;
    private readonly Int8Rows? _int8;
    private readonly QuantizedSettings _settings;

    private QuantizedSearch(ReadOnlyMemory<float> rows, int dimension, BinaryCodes codes, Int8Rows? int8, QuantizedSettings settings)
    {
        _rows = rows;
        Dimension = dimension;
        _codes = codes;
        _int8 = int8;
        _settings = settings;
    }

    public int Dimension { get; }

    public int Count => _codes.Count;

    /// <summary>Memory taken by the codes and the int8 rows (the float32 rows themselves are the caller's).</summary>
    public long CodeBytes => _codes.Bytes + (_int8?.Bytes ?? 0);

    /// <summary>Encodes rows [N, D]; the engine keeps a reference to them for exact re-ranking.</summary>
    public static QuantizedSearch Build(ReadOnlyMemory<float> rows, int dimension, QuantizedSettings? settings = null)
    {
        settings ??= QuantizedSettings.Default;
        Validate(settings);
        BinaryCodes codes = BinaryCodes.Build(rows, dimension, settings.Seed);
        return new QuantizedSearch(rows, dimension, codes, settings.Int8Rows ? Int8Rows.Build(rows, dimension) : null, settings);
    }

    /// <summary>The same codes searched with other settings (the rotation seed must stay the same).</summary>
    public QuantizedSearch WithSettings(QuantizedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Validate(settings);
        if (settings.Seed != _settings.Seed || settings.Int8Rows != _settings.Int8Rows)
        {
            throw new ArgumentException("the codes were built with another seed or int8 setting; build them again instead.", nameof(settings));
        }

        return new QuantizedSearch(_rows, Dimension, _codes, _int8, settings);
    }

    /// <summary>The k rows with the highest inner product with the query [D], best first, with exact scores.</summary>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k) => Search(query, k, out _);

    /// <summary>As <see cref="Search(ReadOnlySpan{float}, int)"/>; <paramref name="reranked"/> counts the candidates scored beyond their 1-bit estimate.</summary>
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

            // Pass 1: estimate everything; the best estimates are scored (int8 rows, or float32 without them) to set the bar τ.
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

            // With int8 rows, "scored" means the int8 score, and the best of those are scored exactly at the end.
            int keep = _int8 is null ? k : Math.Max(k * ExactPerK, MinExact);
            var scored = new TopK(keep);
            var bestK = new TopK(k);
            foreach (Neighbor n in candidates.ToArray())
            {
                float score = Refine(q, n.Index);
                scored.Offer(n.Index, score);
                bestK.Offer(n.Index, score);
                estimates[n.Index] = float.NegativeInfinity;
            }

            float bar = bestK.Count == k ? bestK.Worst : float.NegativeInfinity;
            if (float.IsNegativeInfinity(bar))
            {
                reranked = wanted;
                return Finish(q, k, scored);
            }

            // Pass 2: every vector whose estimate is within Margin standard errors of τ. τ stays fixed, so which
            // vectors are scored does not depend on the thread count.
            float roundingVariance = code.Step * code.Step / 12f;
            var filter = new MarginFilter(bar, _settings.Margin, TensorPrimitives.Dot(q, q), roundingVariance);
            var found = new TopK[threads];
            var counts = new int[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                (int b0, int b1) = Range(blocks, threads, t);
                var selected = new List<int>();
                filter.Select(_codes, estimates, b0 * BinaryCodes.Lanes, Math.Min(Count, b1 * BinaryCodes.Lanes), selected);
                var heap = new TopK(keep);
                for (int i = 0; i < selected.Count; i++)
                {
                    if (i + PrefetchAhead < selected.Count)
                    {
                        _int8?.Prefetch(selected[i + PrefetchAhead]);
                    }

                    int j = selected[i];
                    float score = Refine(q, j);
                    if (score >= heap.Worst)
                    {
                        heap.Offer(j, score);
                    }
                }

                found[t] = heap;
                counts[t] = selected.Count;
            });

            foreach (TopK heap in found)
            {
                foreach (Neighbor n in heap.ToArray())
                {
                    scored.Offer(n.Index, n.Score);
                }
            }

            reranked = wanted + counts.Sum();
            return Finish(q, k, scored);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(estimates);
        }
    }

    private static void Validate(QuantizedSettings settings)
    {
        if (!(settings.Margin >= 0) || float.IsInfinity(settings.Margin) || settings.Oversampling < 1)
        {
            throw new ArgumentException(
                $"invalid quantized search settings: margin {settings.Margin} must be finite and ≥ 0, oversampling {settings.Oversampling} ≥ 1.",
                nameof(settings));
        }
    }

    // The best k of the scored candidates, with exact scores.
    private Neighbor[] Finish(float[] query, int k, TopK scored)
    {
        if (_int8 is null)
        {
            return scored.ToArray();
        }

        var exact = new TopK(k);
        foreach (Neighbor n in scored.ToArray())
        {
            exact.Offer(n.Index, Score(query, n.Index));
        }

        return exact.ToArray();
    }

    private float Refine(float[] query, int row) => _int8 is null ? Score(query, row) : _int8.Dot(query, row);

    private static (int First, int End) Range(int blocks, int threads, int t)
        => ((int)((long)blocks * t / threads), (int)((long)blocks * (t + 1) / threads));

    private float Score(float[] query, int row) => TensorPrimitives.Dot(query, _rows.Span.Slice(row * Dimension, Dimension));
}

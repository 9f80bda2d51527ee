using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Search;

/// <summary>
/// Brute-force inner-product search over normalised rows: exact, so it serves small indexes and is the oracle
/// that the HNSW engine is measured against.
/// </summary>
public static class ExactSearch
{
    /// <summary>Rows scored per GEMM: a [Q, Block] score tile stays in cache while it is scanned for the top k.</summary>
    private const int Block = 4096;

    // rows: [N, D], query: [D] -> best k, best first.
    public static Neighbor[] Search(ReadOnlySpan<float> rows, int dimension, ReadOnlySpan<float> query, int k)
        => SearchBatch(rows, dimension, query, k)[0];

    // rows: [N, D], queries: [Q, D] -> per query the best k, best first.
    public static Neighbor[][] SearchBatch(ReadOnlySpan<float> rows, int dimension, ReadOnlySpan<float> queries, int k)
    {
        if (dimension < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "the embedding width must be positive.");
        }

        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        }

        if (rows.Length % dimension != 0 || queries.Length % dimension != 0 || queries.Length == 0)
        {
            throw new ArgumentException(
                $"rows ({rows.Length} floats) and queries ({queries.Length} floats) must be whole, non-empty {dimension}-wide rows.");
        }

        int n = rows.Length / dimension;
        int q = queries.Length / dimension;
        var heaps = new TopK[q];
        for (int i = 0; i < q; i++)
        {
            heaps[i] = new TopK(Math.Min(k, Math.Max(n, 1)));
        }

        var scores = new float[q * Math.Min(Block, Math.Max(n, 1))];
        for (int start = 0; start < n; start += Block)
        {
            int count = Math.Min(Block, n - start);

            // scores: [Q, count] = queries [Q, D] × rows[start:start+count]ᵀ
            Gemm.Sgemm(false, true, q, count, dimension, 1f, queries, dimension, rows.Slice(start * dimension, count * dimension), dimension, 0f, scores, count);
            for (int i = 0; i < q; i++)
            {
                ReadOnlySpan<float> line = scores.AsSpan(i * count, count);
                TopK heap = heaps[i];
                for (int j = 0; j < count; j++)
                {
                    heap.Offer(start + j, line[j]);
                }
            }
        }

        var result = new Neighbor[q][];
        for (int i = 0; i < q; i++)
        {
            result[i] = heaps[i].ToArray();
        }

        return result;
    }
}

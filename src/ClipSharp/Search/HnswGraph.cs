using Cloud.Unum.USearch;

namespace ClipSharp.Search;

/// <summary>
/// An approximate cosine index (USearch's HNSW) over rows of a matrix, keyed by row number. It only proposes
/// candidates; callers re-rank them exactly against the raw embeddings.
/// </summary>
public sealed class HnswGraph : IDisposable
{
    private readonly USearchIndex _index;
    private readonly HnswSettings _settings;

    // USearch's .NET binding cannot reserve per-thread search contexts for a loaded graph, and a search that finds
    // none fails; queries take turns instead (one graph search is well under a millisecond).
    private readonly Lock _searchLock = new();

    private HnswGraph(USearchIndex index, HnswSettings settings, int dimension)
    {
        _index = index;
        _settings = settings;
        Dimension = dimension;
    }

    public int Dimension { get; }

    public long Count => (long)_index.Size();

    public HnswSettings Settings => _settings;

    /// <summary>Builds a graph over rows [N, D], adding them from all cores; keys are <paramref name="firstKey"/> + row.</summary>
    public static HnswGraph Build(ReadOnlyMemory<float> rows, int dimension, HnswSettings? settings = null, long firstKey = 0, IReadOnlyList<long>? skip = null)
    {
        settings ??= HnswSettings.Default;
        var index = new USearchIndex(
            MetricKind.Cos, ScalarKind.Float32, (ulong)dimension,
            (ulong)settings.Connectivity, (ulong)settings.ExpansionAdd, (ulong)settings.ExpansionSearch, false);
        var graph = new HnswGraph(index, settings, dimension);
        graph.Add(rows, firstKey, skip);
        return graph;
    }

    /// <summary>Adds rows [n, D] with keys <paramref name="firstKey"/> + i, except the keys in <paramref name="skip"/>.</summary>
    public void Add(ReadOnlyMemory<float> rows, long firstKey, IReadOnlyList<long>? skip = null)
    {
        if (rows.Length % Dimension != 0)
        {
            throw new ArgumentException($"{rows.Length} floats is not a whole number of {Dimension}-wide rows.", nameof(rows));
        }

        var skipped = skip is null ? null : new HashSet<long>(skip);
        int n = rows.Length / Dimension;
        const int Chunk = 4096;

        // USearch takes arrays; chunks keep the copies small while its batch add spreads the inserts over threads.
        for (int start = 0; start < n; start += Chunk)
        {
            int count = Math.Min(Chunk, n - start);
            var keys = new List<ulong>(count);
            var vectors = new List<float[]>(count);
            for (int i = 0; i < count; i++)
            {
                long key = firstKey + start + i;
                if (skipped?.Contains(key) == true)
                {
                    continue;
                }

                keys.Add((ulong)key);
                vectors.Add(rows.Span.Slice((start + i) * Dimension, Dimension).ToArray());
            }

            if (keys.Count > 0)
            {
                _index.Add([.. keys], [.. vectors]);
            }
        }
    }

    /// <summary>Up to <paramref name="count"/> candidate keys for a query [D]. Safe to call from many threads at once (they take turns).</summary>
    public long[] Candidates(ReadOnlySpan<float> query, int count)
    {
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"the query has {query.Length} values but the graph holds {Dimension}-wide vectors.", nameof(query));
        }

        float[] vector = query.ToArray();
        int found;
        ulong[] keys;
        lock (_searchLock)
        {
            found = _index.Search(vector, count, out keys, out _);
        }

        var result = new long[found];
        for (int i = 0; i < found; i++)
        {
            result[i] = (long)keys[i];
        }

        return result;
    }

    /// <summary>Writes the graph to <paramref name="path"/> atomically: a reader sees the old file or the whole new one.</summary>
    public void Save(string path)
    {
        string temporary = path + ".tmp";
        _index.Save(temporary);
        using (var f = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static HnswGraph Load(string path, int dimension, HnswSettings? settings = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: HNSW graph file not found.", path);
        }

        var index = new USearchIndex(path, false);
        if ((int)index.Dimensions() != dimension)
        {
            int stored = (int)index.Dimensions();
            index.Dispose();
            throw new SearchIndexException($"{path}: the graph holds {stored}-wide vectors, expected {dimension}.");
        }

        return new HnswGraph(index, settings ?? HnswSettings.Default, dimension);
    }

    public void Dispose() => _index.Dispose();
}

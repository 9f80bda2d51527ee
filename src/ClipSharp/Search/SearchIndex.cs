using System.Globalization;
using System.Numerics.Tensors;

namespace ClipSharp.Search;

/// <summary>Which engine answers queries.</summary>
public enum SearchEngineKind
{
    /// <summary>Brute force over every embedding.</summary>
    Exact,

    /// <summary>HNSW candidates re-ranked exactly, plus exact search over rows added after the graph was built.</summary>
    Hnsw,

    /// <summary>A scan of 1-bit codes with exact re-ranking (<see cref="QuantizedSearch"/>), built when the index is opened.</summary>
    Quantized,
}

/// <summary>
/// A read-only snapshot of an index folder: the catalog's committed entries with their embeddings in memory, and
/// the HNSW graph when the index is large enough to have one. Another process may keep writing the folder
/// meanwhile; the snapshot never sees a half-written batch. Queries are thread-safe.
/// </summary>
public sealed class SearchIndex : IDisposable
{
    /// <summary>
    /// Below this many entries brute force is fast enough and exact, and writers keep no graph; a reader uses the
    /// graph whenever the writer left one.
    /// </summary>
    public const int DefaultExactThreshold = 20_000;

    private readonly IndexEntry[] _entries;
    private readonly float[] _embeddings;
    private readonly int[] _rowToEntry;
    private readonly Dictionary<long, int> _idToEntry;
    private readonly Dictionary<string, int> _sourceToEntry;
    private readonly HnswGraph? _graph;
    private readonly QuantizedSearch? _quantized;
    private readonly int _tailStart;
    private readonly HnswSettings _settings;

    private SearchIndex(
        string path, string modelId, string modelName, EntryKind kind, int dimension,
        IndexEntry[] entries, float[] embeddings, int[] rowToEntry, HnswGraph? graph, long graphRows, SearchIndexOptions options)
    {
        Path = path;
        ModelId = modelId;
        ModelName = modelName;
        Kind = kind;
        Dimension = dimension;
        _entries = entries;
        _embeddings = embeddings;
        _rowToEntry = rowToEntry;
        _graph = graph;
        _settings = options.Hnsw;
        _quantized = options.Engine == SearchEngineKind.Quantized && entries.Length > 0
            ? QuantizedSearch.Build(embeddings, dimension, options.Quantized)
            : null;
        _idToEntry = new Dictionary<long, int>(entries.Length);
        _sourceToEntry = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        for (int i = 0; i < entries.Length; i++)
        {
            _idToEntry[entries[i].Id] = i;
            _sourceToEntry[entries[i].Source] = i;
        }

        // Entries are ordered by row, so the rows the graph does not cover form a suffix.
        int tail = entries.Length;
        while (tail > 0 && entries[tail - 1].Row >= graphRows)
        {
            tail--;
        }

        _tailStart = graph is null ? 0 : tail;
    }

    public string Path { get; }

    /// <summary>The <see cref="ModelIdentity"/> of the model that built the index.</summary>
    public string ModelId { get; }

    /// <summary>Where that model was loaded from, for messages.</summary>
    public string ModelName { get; }

    public EntryKind Kind { get; }

    public int Dimension { get; }

    public int Count => _entries.Length;

    public IReadOnlyList<IndexEntry> Entries => _entries;

    public SearchEngineKind Engine
        => _quantized is not null ? SearchEngineKind.Quantized : _graph is null ? SearchEngineKind.Exact : SearchEngineKind.Hnsw;

    /// <summary>Whether <paramref name="path"/> is an index folder (it has a catalog; the catalog may still be empty).</summary>
    public static bool Exists(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(IndexLayout.Catalog(System.IO.Path.GetFullPath(path)));
    }

    /// <summary>Opens the committed state of an index folder.</summary>
    public static SearchIndex Open(string path, SearchIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string folder = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(folder))
        {
            throw new SearchIndexException($"{path}: no index here (the folder does not exist).");
        }

        options ??= SearchIndexOptions.Default;
        string modelId, modelName;
        EntryKind kind;
        int dimension;
        long committed;
        List<IndexEntry> entries;
        using (var catalog = IndexCatalog.Open(IndexLayout.Catalog(folder), readOnly: true))
        using (var tx = catalog.Begin())
        {
            // One read transaction: the meta and the entries come from the same commit.
            if (catalog.GetMeta(IndexLayout.MetaModelId, tx) is not string id)
            {
                throw new SearchIndexException($"{path}: the index is empty (nothing was ever added).");
            }

            modelId = id;
            modelName = catalog.GetMeta(IndexLayout.MetaModelName, tx) ?? "?";
            dimension = (int)catalog.GetMetaLong(IndexLayout.MetaDimension, tx);
            kind = Enum.Parse<EntryKind>(catalog.GetMeta(IndexLayout.MetaKind, tx) ?? nameof(EntryKind.Image));
            committed = catalog.GetMetaLong(IndexLayout.MetaCommittedRows, tx);
            entries = catalog.ReadEntries(tx);
        }

        float[] rows = EmbeddingSidecar.Read(IndexLayout.Sidecar(folder), dimension, committed);
        var embeddings = new float[(long)entries.Count * dimension];
        var rowToEntry = new int[committed];
        Array.Fill(rowToEntry, -1);
        for (int i = 0; i < entries.Count; i++)
        {
            long row = entries[i].Row;
            if (row < 0 || row >= committed)
            {
                throw new SearchIndexException($"{path}: entry {entries[i].Source} points at embedding row {row} of {committed}.");
            }

            rowToEntry[row] = i;
            rows.AsSpan((int)(row * dimension), dimension).CopyTo(embeddings.AsSpan(i * dimension, dimension));
        }

        HnswGraph? graph = null;
        long graphRows = 0;
        if (options.Engine is null or SearchEngineKind.Hnsw)
        {
            (graph, graphRows) = LoadGraph(folder, committed, dimension, options.Hnsw);
            if (graph is null && options.Engine == SearchEngineKind.Hnsw)
            {
                throw new SearchIndexException(
                    $"{path}: the index has no HNSW graph ({entries.Count:N0} entries; 'clip index add' builds one from "
                    + $"{DefaultExactThreshold:N0} entries on). Use the exact or the quantized engine.");
            }
        }

        return new SearchIndex(folder, modelId, modelName, kind, dimension, [.. entries], embeddings, rowToEntry, graph, graphRows, options);
    }

    /// <summary>Fails with both names when <paramref name="modelId"/> is not the model that built the index.</summary>
    public void RequireModel(string modelId, string modelName)
    {
        if (!string.Equals(modelId, ModelId, StringComparison.Ordinal))
        {
            throw new SearchIndexException(
                $"{Path}: the index was built with model {ModelName} ({ModelId}) but the query uses {modelName} ({modelId}); "
                + "embeddings from different models are not comparable.");
        }
    }

    public IndexEntry? Find(long id) => _idToEntry.TryGetValue(id, out int i) ? _entries[i] : null;

    /// <summary>The entry of a source (an image path as it was indexed, or a caption), or null.</summary>
    public IndexEntry? Find(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return _sourceToEntry.TryGetValue(source, out int i) ? _entries[i] : null;
    }

    /// <summary>The stored embedding [D] of an entry.</summary>
    public ReadOnlySpan<float> Embedding(long id)
        => _idToEntry.TryGetValue(id, out int i)
            ? _embeddings.AsSpan(i * Dimension, Dimension)
            : throw new KeyNotFoundException($"{Path}: no entry with id {id.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>The k entries most similar to an already-computed query embedding [D], best first.</summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k)
    {
        float[] q = PrepareQuery(query, k);
        if (_entries.Length == 0)
        {
            return [];
        }

        if (_quantized is not null)
        {
            return ToHits(_quantized.Search(q, k));
        }

        if (_graph is null)
        {
            return ToHits(ExactSearch.Search(_embeddings, Dimension, q, k));
        }

        var top = new TopK(k);
        int wanted = Math.Max(k * _settings.Oversampling, _settings.ExpansionSearch);
        foreach (long row in _graph.Candidates(q, wanted))
        {
            // Entries deleted or re-embedded since the graph was built are not live any more.
            int entry = row < _rowToEntry.Length ? _rowToEntry[row] : -1;
            if (entry >= 0)
            {
                top.Offer(entry, TensorPrimitives.Dot(q, _embeddings.AsSpan(entry * Dimension, Dimension)));
            }
        }

        for (int entry = _tailStart; entry < _entries.Length; entry++)
        {
            top.Offer(entry, TensorPrimitives.Dot(q, _embeddings.AsSpan(entry * Dimension, Dimension)));
        }

        return ToHits(top.ToArray());
    }

    /// <summary>Brute force over every entry, whatever the engine: the reference answer.</summary>
    public IReadOnlyList<SearchHit> SearchExact(ReadOnlySpan<float> query, int k)
    {
        float[] q = PrepareQuery(query, k);
        return _entries.Length == 0 ? [] : ToHits(ExactSearch.Search(_embeddings, Dimension, q, k));
    }

    public void Dispose() => _graph?.Dispose();

    private float[] PrepareQuery(ReadOnlySpan<float> query, int k)
    {
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        }

        if (query.Length != Dimension)
        {
            throw new ArgumentException($"the query embedding has {query.Length} values but {Path} holds {Dimension}-wide embeddings.", nameof(query));
        }

        float norm = TensorPrimitives.Norm(query);
        if (!(norm > 0) || !float.IsFinite(norm))
        {
            throw new ArgumentException("the query embedding is zero or not finite.", nameof(query));
        }

        var q = new float[Dimension];
        TensorPrimitives.Divide(query, norm, q);
        return q;
    }

    private SearchHit[] ToHits(Neighbor[] neighbors)
    {
        var hits = new SearchHit[neighbors.Length];
        for (int i = 0; i < hits.Length; i++)
        {
            IndexEntry e = _entries[neighbors[i].Index];
            hits[i] = new SearchHit(e.Id, e.Source, neighbors[i].Score);
        }

        return hits;
    }

    private static (HnswGraph?, long) LoadGraph(string folder, long committed, int dimension, HnswSettings settings)
    {
        // A writer may replace the graph while we look; a file that vanished is retried with the next listing.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            foreach ((long rows, string file) in IndexLayout.Graphs(folder))
            {
                if (rows > committed)
                {
                    continue;
                }

                try
                {
                    return (HnswGraph.Load(file, dimension, settings), rows);
                }
                catch (FileNotFoundException)
                {
                    break;
                }
            }
        }

        return (null, 0);
    }
}

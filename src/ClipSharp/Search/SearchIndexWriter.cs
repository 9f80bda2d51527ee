using System.Globalization;

namespace ClipSharp.Search;

/// <summary>
/// The single writer of an index folder. Write order, so that SIGKILL at any instant leaves a usable index:
/// a batch's embeddings are appended to the sidecar and flushed to disk, then one SQLite transaction inserts the
/// entries that point at them and advances the committed row count. The HNSW graph is saved under a new name
/// and renamed into place, and it only ever covers committed rows. Opening a writer cuts uncommitted sidecar rows
/// and stray graph files.
/// </summary>
public sealed class SearchIndexWriter : IDisposable
{
    private readonly FileStream _lock;
    private readonly IndexCatalog _catalog;
    private readonly EmbeddingSidecar _sidecar;
    private readonly Dictionary<string, IndexEntry> _entries;

    private SearchIndexWriter(string folder, FileStream writeLock, IndexCatalog catalog, EmbeddingSidecar sidecar, EntryKind kind, List<IndexEntry> entries)
    {
        Path = folder;
        _lock = writeLock;
        _catalog = catalog;
        _sidecar = sidecar;
        Kind = kind;
        _entries = entries.ToDictionary(e => e.Source, StringComparer.Ordinal);
    }

    public string Path { get; }

    public EntryKind Kind { get; }

    public int Dimension => _sidecar.Dimension;

    /// <summary>The committed entries by source (file path or caption).</summary>
    public IReadOnlyDictionary<string, IndexEntry> Entries => _entries;

    /// <summary>Opens an index folder for writing, creating it for this model if it does not exist yet.</summary>
    public static SearchIndexWriter Open(string path, string modelId, string modelName, int dimension, EntryKind kind)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(modelId);
        string folder = System.IO.Path.GetFullPath(path);
        if (File.Exists(folder))
        {
            throw new SearchIndexException($"{path}: is a file; an index is a folder.");
        }

        Directory.CreateDirectory(folder);
        FileStream writeLock;
        try
        {
            writeLock = new FileStream(System.IO.Path.Combine(folder, IndexLayout.LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new SearchIndexException($"{path}: another process is writing this index.", e);
        }

        IndexCatalog? catalog = null;
        try
        {
            catalog = IndexCatalog.Open(IndexLayout.Catalog(folder), readOnly: false);
            long committed;
            List<IndexEntry> entries;
            using (var tx = catalog.Begin())
            {
                if (catalog.GetMeta(IndexLayout.MetaModelId, tx) is string existing)
                {
                    if (!string.Equals(existing, modelId, StringComparison.Ordinal))
                    {
                        throw new SearchIndexException(
                            $"{path}: the index was built with model {catalog.GetMeta(IndexLayout.MetaModelName, tx)} ({existing}) "
                            + $"but this run uses {modelName} ({modelId}); use a new index folder for another model.");
                    }

                    var stored = Enum.Parse<EntryKind>(catalog.GetMeta(IndexLayout.MetaKind, tx)!);
                    if (stored != kind)
                    {
                        throw new SearchIndexException($"{path}: the index holds {stored.ToString().ToLowerInvariant()} entries, not {kind.ToString().ToLowerInvariant()} entries.");
                    }
                }
                else
                {
                    catalog.SetMeta(IndexLayout.MetaFormat, IndexLayout.FormatVersion.ToString(CultureInfo.InvariantCulture), tx);
                    catalog.SetMeta(IndexLayout.MetaModelId, modelId, tx);
                    catalog.SetMeta(IndexLayout.MetaModelName, modelName, tx);
                    catalog.SetMeta(IndexLayout.MetaDimension, dimension.ToString(CultureInfo.InvariantCulture), tx);
                    catalog.SetMeta(IndexLayout.MetaKind, kind.ToString(), tx);
                    catalog.SetMeta(IndexLayout.MetaCommittedRows, "0", tx);
                }

                committed = catalog.GetMetaLong(IndexLayout.MetaCommittedRows, tx);
                entries = catalog.ReadEntries(tx);
                tx.Commit();
            }

            var sidecar = EmbeddingSidecar.OpenForAppend(IndexLayout.Sidecar(folder), dimension, committed);
            foreach ((long rows, string file) in IndexLayout.Graphs(folder))
            {
                if (rows > committed)
                {
                    File.Delete(file);
                }
            }

            foreach (string temporary in Directory.GetFiles(folder, "*.tmp"))
            {
                File.Delete(temporary);
            }

            return new SearchIndexWriter(folder, writeLock, catalog, sidecar, kind, entries);
        }
        catch
        {
            catalog?.Dispose();
            writeLock.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing index for writing with the model and kind it was built with (for maintenance that embeds nothing).</summary>
    public static SearchIndexWriter OpenExisting(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string folder = System.IO.Path.GetFullPath(path);
        string modelId, modelName;
        int dimension;
        EntryKind kind;
        using (var catalog = IndexCatalog.Open(IndexLayout.Catalog(folder), readOnly: true))
        {
            modelId = catalog.GetMeta(IndexLayout.MetaModelId) ?? throw new SearchIndexException($"{path}: the index is empty (nothing was ever added).");
            modelName = catalog.GetMeta(IndexLayout.MetaModelName) ?? "?";
            dimension = (int)catalog.GetMetaLong(IndexLayout.MetaDimension);
            kind = Enum.Parse<EntryKind>(catalog.GetMeta(IndexLayout.MetaKind)!);
        }

        return Open(path, modelId, modelName, dimension, kind);
    }

    /// <summary>Adds or replaces entries, and records new mtimes of files found unchanged, as one atomic batch.</summary>
    public void Commit(IReadOnlyList<PendingEntry> entries, IReadOnlyList<(string Source, long MtimeTicks)>? touched = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0 && (touched is null || touched.Count == 0))
        {
            return;
        }

        var sources = new HashSet<string>(StringComparer.Ordinal);
        var rows = new float[entries.Count * Dimension];
        for (int i = 0; i < entries.Count; i++)
        {
            if (!sources.Add(entries[i].Source))
            {
                throw new ArgumentException($"{entries[i].Source} appears twice in one batch.", nameof(entries));
            }

            if (entries[i].Embedding.Length != Dimension)
            {
                throw new ArgumentException($"{entries[i].Source}: embedding has {entries[i].Embedding.Length} values, the index holds {Dimension}.", nameof(entries));
            }

            entries[i].Embedding.CopyTo(rows, i * Dimension);
        }

        long first = _sidecar.Append(rows);
        var committed = new List<IndexEntry>(entries.Count);
        using (var tx = _catalog.Begin())
        {
            for (int i = 0; i < entries.Count; i++)
            {
                PendingEntry p = entries[i];
                var entry = new IndexEntry(0, p.Source, p.Size, p.MtimeTicks, p.Hash, p.Width, p.Height, first + i);
                _catalog.Upsert(entry, tx);
                committed.Add(entry);
            }

            foreach ((string source, long mtime) in touched ?? [])
            {
                _catalog.Touch(source, mtime, tx);
            }

            _catalog.SetMeta(IndexLayout.MetaCommittedRows, _sidecar.RowCount.ToString(CultureInfo.InvariantCulture), tx);
            tx.Commit();
        }

        foreach (IndexEntry e in committed)
        {
            _entries[e.Source] = e;
        }

        foreach ((string source, long mtime) in touched ?? [])
        {
            if (_entries.TryGetValue(source, out IndexEntry? e))
            {
                _entries[source] = e with { MtimeTicks = mtime };
            }
        }
    }

    /// <summary>Drops entries; their sidecar rows stay (rows are never reused) until the graph is rebuilt without them.</summary>
    public int Remove(IReadOnlyCollection<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        int removed = 0;
        using (var tx = _catalog.Begin())
        {
            foreach (string source in sources)
            {
                removed += _catalog.Delete(source, tx) ? 1 : 0;
            }

            tx.Commit();
        }

        foreach (string source in sources)
        {
            _entries.Remove(source);
        }

        return removed;
    }

    /// <summary>
    /// Brings the HNSW graph up to the committed rows: extends the newest graph with the rows added since, or
    /// rebuilds it when many of its rows are dead. Below the exact threshold no graph is kept.
    /// Call it after a run's last batch: it is the slow part, and a crash during it leaves the previous graph.
    /// </summary>
    /// <param name="exactThreshold">Entries from which a graph is kept; null: the threshold this index was last given.</param>
    /// <param name="settings">Graph parameters for a graph built now.</param>
    public void UpdateGraph(int? exactThreshold = null, HnswSettings? settings = null)
    {
        long committed = _sidecar.RowCount;
        if (exactThreshold is int given)
        {
            using var tx = _catalog.Begin();
            _catalog.SetMeta(IndexLayout.MetaExactThreshold, given.ToString(CultureInfo.InvariantCulture), tx);
            tx.Commit();
        }

        long threshold = _catalog.GetMeta(IndexLayout.MetaExactThreshold) is string stored
            ? long.Parse(stored, CultureInfo.InvariantCulture)
            : SearchIndex.DefaultExactThreshold;
        List<(long Rows, string Path)> graphs = IndexLayout.Graphs(Path);
        if (_entries.Count < threshold)
        {
            graphs.ForEach(g => File.Delete(g.Path));
            return;
        }

        if (graphs.Count > 0 && graphs[0].Rows == committed && DeadFraction(committed) <= 0.2)
        {
            return;
        }

        var live = new HashSet<long>(_entries.Values.Select(e => e.Row));
        float[] rows = EmbeddingSidecar.Read(IndexLayout.Sidecar(Path), Dimension, committed);
        HnswGraph graph;
        if (graphs.Count > 0 && DeadFraction(graphs[0].Rows) <= 0.2)
        {
            long start = graphs[0].Rows;
            graph = HnswGraph.Load(graphs[0].Path, Dimension, settings);
            graph.Add(rows.AsMemory((int)(start * Dimension)), start, Dead(start, committed, live));
        }
        else
        {
            graph = HnswGraph.Build(rows, Dimension, settings, 0, Dead(0, committed, live));
        }

        using (graph)
        {
            graph.Save(IndexLayout.Graph(Path, committed));
        }

        foreach ((long r, string file) in graphs)
        {
            if (r != committed)
            {
                File.Delete(file);
            }
        }

        double DeadFraction(long covered) => covered == 0 ? 0 : 1 - ((double)_entries.Values.Count(e => e.Row < covered) / covered);
    }

    public void Dispose()
    {
        _sidecar.Dispose();
        _catalog.Dispose();
        _lock.Dispose();
    }

    private static List<long> Dead(long from, long to, HashSet<long> live)
    {
        var dead = new List<long>();
        for (long row = from; row < to; row++)
        {
            if (!live.Contains(row))
            {
                dead.Add(row);
            }
        }

        return dead;
    }
}

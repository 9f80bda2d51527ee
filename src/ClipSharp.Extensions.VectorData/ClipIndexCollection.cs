using System.Linq.Expressions;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using ClipSharp.Search;
using Microsoft.Extensions.VectorData;

namespace ClipSharp.VectorData;

/// <summary>
/// A ClipSharp index folder as a <see cref="VectorStoreCollection{TKey, TRecord}"/> keyed by source. Searches take a
/// vector, a text or an image (<see cref="Microsoft.Extensions.AI.DataContent"/>), embedded with the collection's
/// model; scores are cosine similarities. Reads answer from an in-memory snapshot of the committed index, taken when
/// the collection is created, after each of its own writes and on <see cref="Reload"/>. Upserts and deletes go
/// through the index's single crash-safe writer (<see cref="SearchIndexWriter"/>): each call is one atomic batch,
/// and a call made while another process writes the index fails rather than waits.
/// </summary>
public sealed class ClipIndexCollection : VectorStoreCollection<string, ClipIndexRecord>
{
    /// <summary>The <see cref="VectorStoreCollectionMetadata.VectorStoreSystemName"/> of ClipSharp's stores.</summary>
    public const string SystemName = "clipsharp";

    private readonly Clip _clip;
    private readonly ClipQueryVector _queries;
    private readonly SearchIndexOptions _options;
    private readonly EntryKind _newKind;
    private readonly Lock _writeGate = new();

    // Readers hold the read lock while they use a snapshot, so a write never disposes one (its graph) under them.
    private readonly ReaderWriterLockSlim _snapshotLock = new(LockRecursionPolicy.NoRecursion);
    private SearchIndex? _snapshot;
    private bool _disposed;

    private ClipIndexCollection(Clip clip, string path, string modelId, EntryKind newKind, SearchIndexOptions options)
    {
        _clip = clip;
        _queries = new ClipQueryVector(clip);
        Path = path;
        ModelId = modelId;
        _newKind = newKind;
        _options = options;
        Name = System.IO.Path.GetFileName(path);
    }

    public override string Name { get; }

    /// <summary>The index folder.</summary>
    public string Path { get; }

    /// <summary>The <see cref="ModelIdentity"/> of the collection's model; an index built by another model is refused.</summary>
    public string ModelId { get; }

    /// <summary>The width of the embeddings.</summary>
    public int Dimension => _clip.EmbedDim;

    /// <summary>
    /// The collection over the index folder <paramref name="path"/>, searched and written with <paramref name="clip"/>.
    /// The folder need not hold an index yet: <see cref="EnsureCollectionExistsAsync"/> creates one holding
    /// <paramref name="kind"/> entries. An existing index keeps its kind, and must have been built by this model.
    /// </summary>
    /// <exception cref="SearchIndexException">The folder holds an index built by another model, or a damaged one.</exception>
    public static ClipIndexCollection Create(Clip clip, string path, EntryKind kind = EntryKind.Image, SearchIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var collection = new ClipIndexCollection(clip, System.IO.Path.GetFullPath(path), ModelIdentity.Compute(clip), kind, options ?? SearchIndexOptions.Default);
        collection.Reload();
        return collection;
    }

    /// <summary>Takes a new snapshot of the committed index, to see what other processes have written since.</summary>
    /// <exception cref="SearchIndexException">The index is damaged, or was replaced by one built with another model.</exception>
    public void Reload()
    {
        SearchIndex? fresh = Exists() ? SearchIndex.Open(Path, _options) : null;
        try
        {
            fresh?.RequireModel(ModelId, _clip.Name);
        }
        catch
        {
            fresh?.Dispose();
            throw;
        }

        Swap(fresh);
    }

    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default)
        => Task.FromResult(Exists());

    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        Write("EnsureCollectionExists", () =>
        {
            // Opening the writer creates the folder and records the model, the width and the kind.
            using SearchIndexWriter writer = SearchIndexWriter.Open(Path, ModelId, _clip.Name, _clip.EmbedDim, _newKind);
        });
        return Task.CompletedTask;
    }

    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        lock (_writeGate)
        {
            if (!Exists())
            {
                return Task.CompletedTask;
            }

            // Holding the writer proves that no other process is writing; a folder that is not an index is never deleted.
            Guard("EnsureCollectionDeleted", () => SearchIndexWriter.OpenExisting(Path).Dispose());
            Swap(null);
            Directory.Delete(Path, recursive: true);
        }

        return Task.CompletedTask;
    }

    public override Task<ClipIndexRecord?> GetAsync(string key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(Read("Get", index => index.Find(key) is IndexEntry e ? ToRecord(index, e, options?.IncludeVectors == true) : null));
    }

    /// <summary>The records that match <paramref name="filter"/> (any predicate: it is compiled and run over the snapshot).</summary>
    public override IAsyncEnumerable<ClipIndexRecord> GetAsync(
        Expression<Func<ClipIndexRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<ClipIndexRecord>? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new FilteredRecordRetrievalOptions<ClipIndexRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        Func<ClipIndexRecord, bool> keep = filter.Compile();
        List<ClipIndexRecord> records = Read("Get", index => index.Entries.Select(e => ToRecord(index, e, options.IncludeVectors)).Where(keep).ToList());
        return ClipRecordOrder.Apply(records, options.OrderBy).Skip(options.Skip).Take(top).ToAsyncEnumerable();
    }

    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return DeleteAsync([key], cancellationToken);
    }

    /// <summary>Drops the entries with these keys, as one batch; keys the index does not hold are ignored, as the abstraction specifies.</summary>
    public override Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var sources = keys.ToList();
        if (sources.Any(k => k is null))
        {
            throw new ArgumentException($"{Name}: a key to delete is null.", nameof(keys));
        }

        cancellationToken.ThrowIfCancellationRequested();
        WriteExisting("Delete", writer =>
        {
            writer.Remove(sources);
            writer.UpdateGraph();
        });
        return Task.CompletedTask;
    }

    public override Task UpsertAsync(ClipIndexRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <summary>
    /// Adds or replaces the records as one atomic batch. Each needs its <see cref="ClipIndexRecord.Embedding"/> (of
    /// <see cref="Dimension"/> values, stored normalised). In an image index the key is a file path: <c>clip index add</c>
    /// re-embeds an entry whose size or mtime differ from its file's, and <c>clip index sync</c> drops one whose file does
    /// not exist.
    /// </summary>
    public override Task UpsertAsync(IEnumerable<ClipIndexRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var pending = records.Select((r, i) => ToPending(r, i)).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        WriteExisting("Upsert", writer =>
        {
            writer.Commit(pending);
            writer.UpdateGraph();
        });
        return Task.CompletedTask;
    }

    public override async IAsyncEnumerable<VectorSearchResult<ClipIndexRecord>> SearchAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<ClipIndexRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<ClipIndexRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        RequireEmbeddingProperty(options.VectorProperty);
        ReadOnlyMemory<float> query = await _queries.EmbedAsync(searchValue, Name, cancellationToken).ConfigureAwait(false);
        if (query.Length != Dimension)
        {
            throw new ArgumentException(
                $"{Name}: the query vector has {query.Length} values but the collection holds {Dimension}-dimensional embeddings ({_clip.Name}).",
                nameof(searchValue));
        }

        List<VectorSearchResult<ClipIndexRecord>> results = Read("Search", index => Search(index, query.Span, top, options));
        foreach (VectorSearchResult<ClipIndexRecord> result in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return result;
        }
    }

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(VectorStoreCollectionMetadata))
        {
            return new VectorStoreCollectionMetadata
            {
                VectorStoreSystemName = SystemName,
                VectorStoreName = System.IO.Path.GetDirectoryName(Path),
                CollectionName = Name,
            };
        }

        if (serviceType == typeof(Clip))
        {
            return _clip;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    protected override void Dispose(bool disposing)
    {
        // A host that registers the collection under two service types disposes it twice.
        if (disposing && !_disposed)
        {
            _disposed = true;
            Swap(null);
            _snapshotLock.Dispose();
        }

        base.Dispose(disposing);
    }

    private static List<VectorSearchResult<ClipIndexRecord>> Search(SearchIndex index, ReadOnlySpan<float> query, int top, VectorSearchOptions<ClipIndexRecord> options)
    {
        if (index.Count == 0)
        {
            return [];
        }

        // A filter applies before ranking, so a filtered search ranks every entry exactly; otherwise the engine is asked for what is kept.
        Func<ClipIndexRecord, bool>? keep = options.Filter?.Compile();
        int wanted = keep is null ? (int)Math.Min(index.Count, (long)options.Skip + top) : index.Count;
        IReadOnlyList<SearchHit> hits = wanted == 0 ? [] : keep is null ? index.Search(query, wanted) : index.SearchExact(query, wanted);
        var results = new List<VectorSearchResult<ClipIndexRecord>>(Math.Min(top, hits.Count));
        int skipped = 0;
        foreach (SearchHit hit in hits)
        {
            if (options.ScoreThreshold is double threshold && hit.Score < threshold)
            {
                break;
            }

            ClipIndexRecord record = ToRecord(index, index.Find(hit.Id)!, options.IncludeVectors);
            if (keep is not null && !keep(record))
            {
                continue;
            }

            if (skipped++ < options.Skip)
            {
                continue;
            }

            results.Add(new VectorSearchResult<ClipIndexRecord>(record, hit.Score));
            if (results.Count == top)
            {
                break;
            }
        }

        return results;
    }

    private static ClipIndexRecord ToRecord(SearchIndex index, IndexEntry e, bool includeVector) => new()
    {
        Source = e.Source,
        Id = e.Id,
        Size = e.Size,
        MtimeTicks = e.MtimeTicks,
        Hash = e.Hash,
        Width = e.Width,
        Height = e.Height,
        Embedding = includeVector ? new ReadOnlyMemory<float>(index.Embedding(e.Id).ToArray()) : (ReadOnlyMemory<float>?)null,
    };

    private PendingEntry ToPending(ClipIndexRecord record, int position)
    {
        if (record is null)
        {
            throw new ArgumentException($"{Name}: record {position} is null.", "records");
        }

        if (string.IsNullOrEmpty(record.Source))
        {
            throw new ArgumentException($"{Name}: record {position} has no key (Source).", "records");
        }

        if (record.Embedding is not ReadOnlyMemory<float> embedding)
        {
            throw new ArgumentException($"{Name}: record {record.Source} has no embedding; an upsert stores the record's own.", "records");
        }

        if (embedding.Length != Dimension)
        {
            throw new ArgumentException(
                $"{Name}: record {record.Source} has a {embedding.Length}-value embedding but the collection holds {Dimension}-dimensional embeddings ({_clip.Name}).",
                "records");
        }

        float norm = TensorPrimitives.Norm(embedding.Span);
        if (!(norm > 0) || !float.IsFinite(norm))
        {
            throw new ArgumentException($"{Name}: record {record.Source} has an embedding that is zero or not finite.", "records");
        }

        var unit = new float[Dimension];
        TensorPrimitives.Divide(embedding.Span, norm, unit);
        return new PendingEntry(record.Source, record.Size, record.MtimeTicks, record.Hash, record.Width, record.Height, unit);
    }

    private static void RequireEmbeddingProperty(Expression<Func<ClipIndexRecord, object?>>? property)
    {
        if (property is null)
        {
            return;
        }

        Expression body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : property.Body;
        if (body is not MemberExpression { Member.Name: nameof(ClipIndexRecord.Embedding) })
        {
            throw new ArgumentException($"{property}: the only vector property of a ClipSharp collection is {nameof(ClipIndexRecord.Embedding)}.", "options");
        }
    }

    private bool Exists() => SearchIndex.Exists(Path);

    private T Read<T>(string operation, Func<SearchIndex, T> read)
    {
        _snapshotLock.EnterReadLock();
        try
        {
            SearchIndex index = _snapshot ?? throw Failure(operation, new SearchIndexException($"{Path}: no index here; EnsureCollectionExistsAsync creates it."));
            return read(index);
        }
        finally
        {
            _snapshotLock.ExitReadLock();
        }
    }

    private void WriteExisting(string operation, Action<SearchIndexWriter> write)
    {
        Write(operation, () =>
        {
            if (!Exists())
            {
                throw new SearchIndexException($"{Path}: no index here; EnsureCollectionExistsAsync creates it.");
            }

            using SearchIndexWriter writer = SearchIndexWriter.Open(Path, ModelId, _clip.Name, _clip.EmbedDim, _snapshot?.Kind ?? _newKind);
            write(writer);
        });
    }

    /// <summary>Runs one write with this collection's writes serialised, then takes the new snapshot.</summary>
    private void Write(string operation, Action write)
    {
        lock (_writeGate)
        {
            Guard(operation, write);
            Guard(operation, Reload);
        }
    }

    /// <summary>The index's own failures reach the app as the abstraction's <see cref="VectorStoreException"/>, with the index's message inside.</summary>
    private void Guard(string operation, Action action)
    {
        try
        {
            action();
        }
        catch (SearchIndexException e)
        {
            throw Failure(operation, e);
        }
    }

    private VectorStoreException Failure(string operation, SearchIndexException inner) => new(inner.Message, inner)
    {
        VectorStoreSystemName = SystemName,
        VectorStoreName = System.IO.Path.GetDirectoryName(Path),
        CollectionName = Name,
        OperationName = operation,
    };

    private void Swap(SearchIndex? fresh)
    {
        SearchIndex? old;
        _snapshotLock.EnterWriteLock();
        try
        {
            old = _snapshot;
            _snapshot = fresh;
        }
        finally
        {
            _snapshotLock.ExitWriteLock();
        }

        old?.Dispose();
    }
}

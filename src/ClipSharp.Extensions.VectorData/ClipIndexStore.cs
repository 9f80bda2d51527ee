using ClipSharp.Search;
using Microsoft.Extensions.VectorData;

namespace ClipSharp.VectorData;

/// <summary>
/// A folder of ClipSharp indexes as a <see cref="VectorStore"/>: each collection is an index folder inside
/// <see cref="Root"/>, named by its folder, and every collection uses the store's model. The schema is fixed:
/// collections are <c>GetCollection&lt;string, ClipIndexRecord&gt;</c>; a new one holds image entries.
/// </summary>
public sealed class ClipIndexStore : VectorStore
{
    private readonly Clip _clip;
    private readonly SearchIndexOptions? _options;

    private ClipIndexStore(Clip clip, string root, SearchIndexOptions? options)
    {
        _clip = clip;
        Root = root;
        _options = options;
    }

    /// <summary>The folder that holds the index folders.</summary>
    public string Root { get; }

    public static ClipIndexStore Create(Clip clip, string root, SearchIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return new ClipIndexStore(clip, Path.GetFullPath(root), options);
    }

    /// <summary>
    /// The collection <paramref name="name"/> (a new <see cref="ClipIndexCollection"/>, which the caller disposes).
    /// A <paramref name="definition"/> is accepted when its vector is as wide as the model's embeddings.
    /// </summary>
    /// <exception cref="NotSupportedException">The key is not a string or the record not a <see cref="ClipIndexRecord"/>.</exception>
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        if (typeof(TKey) != typeof(string) || typeof(TRecord) != typeof(ClipIndexRecord))
        {
            throw new NotSupportedException(
                $"{Root}: ClipSharp collections have a fixed schema: GetCollection<string, {nameof(ClipIndexRecord)}>, "
                + $"not GetCollection<{typeof(TKey).Name}, {typeof(TRecord).Name}>.");
        }

        if (definition?.Properties.OfType<VectorStoreVectorProperty>().FirstOrDefault(v => v.Dimensions != _clip.EmbedDim) is { } wrong)
        {
            throw new ArgumentException(
                $"{name}: the definition's vector {wrong.Name} has {wrong.Dimensions} dimensions but {_clip.Name} embeds in {_clip.EmbedDim}.", nameof(definition));
        }

        return (VectorStoreCollection<TKey, TRecord>)(object)ClipIndexCollection.Create(_clip, FolderOf(name), EntryKind.Image, _options);
    }

    /// <exception cref="NotSupportedException">Always: ClipSharp collections have a fixed schema.</exception>
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
        => throw new NotSupportedException($"{Root}: ClipSharp collections have a fixed schema; use GetCollection<string, {nameof(ClipIndexRecord)}>.");

    /// <summary>The folders inside <see cref="Root"/> that hold an index.</summary>
    public override IAsyncEnumerable<string> ListCollectionNamesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IEnumerable<string> names = Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Where(SearchIndex.Exists).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)
            : [];
        return names.ToAsyncEnumerable();
    }

    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
        => Task.FromResult(SearchIndex.Exists(FolderOf(name)));

    public override async Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        using var collection = ClipIndexCollection.Create(_clip, FolderOf(name), EntryKind.Image, _options);
        await collection.EnsureCollectionDeletedAsync(cancellationToken).ConfigureAwait(false);
    }

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(VectorStoreMetadata))
        {
            return new VectorStoreMetadata { VectorStoreSystemName = ClipIndexCollection.SystemName, VectorStoreName = Root };
        }

        if (serviceType == typeof(Clip))
        {
            return _clip;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>A collection's name is one folder name: nothing that would reach outside <see cref="Root"/>.</summary>
    private string FolderOf(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name is "." or ".." || name.IndexOfAny(['/', '\\', Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]) >= 0
            || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"{name}: a collection name is one folder name inside {Root}, without path separators.", nameof(name));
        }

        return Path.Combine(Root, name);
    }
}

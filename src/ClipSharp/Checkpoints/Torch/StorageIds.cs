namespace ClipSharp.Checkpoints.Torch;

/// <summary>
/// Turns a persistent id <c>('storage', torch.&lt;T&gt;Storage, key, location, numel[, view_metadata])</c> into a
/// <see cref="TorchStorage"/>, one per key.
/// </summary>
internal sealed class StorageIds(string source, ITorchStorageSource bytes, bool legacy)
{
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, TorchStorage> Storages => _storages;

    public object Load(PickleTuple id)
    {
        IReadOnlyList<object?> f = id.Items;
        int expected = legacy ? 6 : 5;
        if (f.Count != expected || f[0] is not "storage")
        {
            throw new CheckpointFormatException(
                $"{source}: a persistent id must be ('storage', type, key, location, numel{(legacy ? ", view" : string.Empty)}), got a {f.Count}-tuple.");
        }

        if (f[1] is not PickleGlobal { Module: "torch" } type || TorchDTypes.FromStorageClass(type.Name) is not TorchDType dtype)
        {
            throw new CheckpointFormatException($"{source}: a persistent id names {PickleReader.Describe(f[1])}, not a storage type this reader rebuilds.");
        }

        if (f[2] is not string key || key.Length == 0 || key.Length > 64 || key.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
        {
            throw new CheckpointFormatException($"{source}: a storage key must be a short alphanumeric string, got {PickleReader.Describe(f[2])}.");
        }

        if (!PickleNumbers.TryInt64(f[4], out long numel) || numel < 0 || numel > long.MaxValue / 8)
        {
            throw new CheckpointFormatException($"{source}: storage '{key}' declares an invalid element count.");
        }

        if (legacy && f[5] is not null)
        {
            throw new CheckpointFormatException($"{source}: storage '{key}' is a view of another storage (a pre-1.0 layout this reader does not rebuild).");
        }

        if (_storages.TryGetValue(key, out TorchStorage? known))
        {
            if (known.DType != dtype || known.ElementCount != numel)
            {
                throw new CheckpointFormatException($"{source}: storage '{key}' is declared twice with different types or sizes.");
            }

            return known;
        }

        var storage = new TorchStorage(key, dtype, numel, bytes);
        _storages.Add(key, storage);
        return storage;
    }
}

namespace ClipSharp.Checkpoints.Torch;

/// <summary>Storages laid out after the pickles of a legacy file: per key, an int64 element count then the bytes.</summary>
internal sealed class LegacyStorageSource(Stream stream, string source) : ITorchStorageSource
{
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);

    /// <summary>Walks the data section in key-list order, checking each count against its declaration and the bytes left.</summary>
    public void Index(IReadOnlyList<string> keys, IReadOnlyDictionary<string, TorchStorage> storages)
    {
        var count = new byte[8];
        foreach (string key in keys)
        {
            if (!storages.TryGetValue(key, out TorchStorage? storage))
            {
                throw new CheckpointFormatException($"{source}: the key list names storage '{key}', which no tensor uses.");
            }

            if (_offsets.ContainsKey(key))
            {
                throw new CheckpointFormatException($"{source}: the key list names storage '{key}' twice.");
            }

            if (stream.Length - stream.Position < 8)
            {
                throw new CheckpointFormatException($"{source}: the data of storage '{key}' is truncated.");
            }

            stream.ReadExactly(count);
            long declared = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(count);
            if (declared != storage.ElementCount)
            {
                throw new CheckpointFormatException($"{source}: storage '{key}' holds {declared} elements in the data section but {storage.ElementCount} in the pickle.");
            }

            if (storage.ByteLength > stream.Length - stream.Position)
            {
                throw new CheckpointFormatException($"{source}: the data of storage '{key}' ({storage.ByteLength} bytes) runs past the end of the file.");
            }

            _offsets.Add(key, stream.Position);
            stream.Seek(storage.ByteLength, SeekOrigin.Current);
        }
    }

    public byte[] Read(TorchStorage storage)
    {
        if (!_offsets.TryGetValue(storage.Key, out long offset))
        {
            throw new CheckpointFormatException($"{source}: storage '{storage.Key}' has no data (it is missing from the key list).");
        }

        var bytes = new byte[storage.ByteLength];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }
}

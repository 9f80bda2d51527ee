namespace ClipSharp.Checkpoints.Torch;

/// <summary>
/// One storage of a checkpoint: its key, element type and element count as the pickle declares them. The bytes are
/// read from the container only when a tensor over it is materialised, and only after the container has shown it
/// holds that many bytes.
/// </summary>
public sealed class TorchStorage
{
    private readonly ITorchStorageSource _source;
    private byte[]? _bytes;

    internal TorchStorage(string key, TorchDType dtype, long elementCount, ITorchStorageSource source)
    {
        Key = key;
        DType = dtype;
        ElementCount = elementCount;
        _source = source;
    }

    public string Key { get; }

    public TorchDType DType { get; }

    public long ElementCount { get; }

    public long ByteLength => ElementCount * DType.ElementSize();

    internal ReadOnlySpan<byte> Bytes => _bytes ??= _source.Read(this);
}

/// <summary>Where a container keeps its storages' bytes.</summary>
internal interface ITorchStorageSource
{
    /// <summary>Exactly <see cref="TorchStorage.ByteLength"/> bytes, or a <see cref="CheckpointFormatException"/>.</summary>
    byte[] Read(TorchStorage storage);
}

using System.IO.Compression;

namespace ClipSharp.Checkpoints.Torch;

/// <summary>Storages kept as <c>&lt;folder&gt;/data/&lt;key&gt;</c> entries of a zip archive (stored or deflated).</summary>
internal sealed class ZipStorageSource(ZipArchive archive, string folder, string source, long containerLength) : ITorchStorageSource
{
    // Deflate cannot expand data by much more than this, so a larger claim is a lie about the entry.
    private const long MaxDeflateRatio = 1100;

    public byte[] Read(TorchStorage storage)
    {
        string name = $"{folder}data/{storage.Key}";
        ZipArchiveEntry entry = archive.GetEntry(name)
            ?? throw new CheckpointFormatException($"{source}: storage '{storage.Key}' has no entry '{name}'.");
        return ReadEntry(entry, storage.ByteLength, source, containerLength);
    }

    /// <summary>The first <paramref name="length"/> bytes of an entry, after checking the entry can justify them.</summary>
    public static byte[] ReadEntry(ZipArchiveEntry entry, long length, string source, long containerLength)
    {
        long justified = entry.CompressedLength == entry.Length
            ? Math.Min(entry.Length, containerLength)
            : Math.Min(entry.Length, entry.CompressedLength * MaxDeflateRatio);
        if (length > justified || length > Array.MaxLength)
        {
            throw new CheckpointFormatException(
                $"{source}: entry '{entry.FullName}' must hold {length} bytes but its sizes (stored {entry.CompressedLength}, {entry.Length} uncompressed) cannot.");
        }

        var bytes = new byte[length];
        try
        {
            using Stream s = entry.Open();
            s.ReadExactly(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new CheckpointFormatException($"{source}: entry '{entry.FullName}' cannot be read: {e.Message}", e);
        }

        return bytes;
    }
}

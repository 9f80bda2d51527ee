using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ClipSharp.Search;

/// <summary>
/// The raw embeddings, float32 rows [N, D] after a 16-byte header, appended only. They are the source for exact
/// re-ranking and for rebuilding the HNSW graph. A row exists for the index once the catalog commits a reference
/// to it; anything past the catalog's committed row count is the tail of an interrupted write and is cut off
/// by the next writer.
/// </summary>
internal sealed class EmbeddingSidecar : IDisposable
{
    public const string FileName = "embeddings.f32";
    private const int HeaderBytes = 16;
    private static ReadOnlySpan<byte> Magic => "CLPE"u8;

    private readonly FileStream _stream;

    private EmbeddingSidecar(FileStream stream, int dimension, long rowCount)
    {
        _stream = stream;
        Dimension = dimension;
        RowCount = rowCount;
    }

    public int Dimension { get; }

    public long RowCount { get; private set; }

    /// <summary>Opens (or creates) the sidecar for appending, cutting it back to <paramref name="committedRows"/>.</summary>
    public static EmbeddingSidecar OpenForAppend(string path, int dimension, long committedRows)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (stream.Length == 0)
            {
                if (committedRows != 0)
                {
                    throw new SearchIndexException($"{path}: the embedding file is empty but the catalog references {committedRows} rows.");
                }

                Span<byte> header = stackalloc byte[HeaderBytes];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header[4..], 1);
                BinaryPrimitives.WriteInt32LittleEndian(header[8..], dimension);
                stream.Write(header);
                stream.Flush(flushToDisk: true);
            }
            else
            {
                CheckHeader(stream, path, dimension);
                long rows = (stream.Length - HeaderBytes) / RowBytes(dimension);
                if (rows < committedRows)
                {
                    throw new SearchIndexException($"{path}: holds {rows} embeddings but the catalog references {committedRows}.");
                }

                stream.SetLength(HeaderBytes + (committedRows * RowBytes(dimension)));
                stream.Flush(flushToDisk: true);
            }

            return new EmbeddingSidecar(stream, dimension, committedRows);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends rows [n, D] and makes them durable before returning the first row's number.</summary>
    public long Append(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Dimension != 0)
        {
            throw new ArgumentException($"{rows.Length} floats is not a whole number of {Dimension}-wide rows.", nameof(rows));
        }

        long first = RowCount;
        _stream.Position = HeaderBytes + (first * RowBytes(Dimension));
        _stream.Write(MemoryMarshal.AsBytes(rows));

        // Durable before the catalog commits rows that point here: a crash can leave extra rows, never missing ones.
        _stream.Flush(flushToDisk: true);
        RowCount += rows.Length / Dimension;
        return first;
    }

    /// <summary>Reads the first <paramref name="rowCount"/> rows [rowCount, D]; another process may be appending meanwhile.</summary>
    public static float[] Read(string path, int dimension, long rowCount)
    {
        if (rowCount == 0 && !File.Exists(path))
        {
            // A writer that committed the catalog's meta but was stopped before creating the sidecar.
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        CheckHeader(stream, path, dimension);
        long available = (stream.Length - HeaderBytes) / RowBytes(dimension);
        if (available < rowCount)
        {
            throw new SearchIndexException($"{path}: holds {available} embeddings but the catalog references {rowCount}.");
        }

        if (rowCount * dimension > Array.MaxLength)
        {
            throw new SearchIndexException(
                $"{path}: {rowCount} embeddings of width {dimension} exceed what one in-memory snapshot can hold ({Array.MaxLength} floats).");
        }

        var data = new float[rowCount * dimension];
        stream.Position = HeaderBytes;
        stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return data;
    }

    public void Dispose() => _stream.Dispose();

    private static long RowBytes(int dimension) => (long)dimension * sizeof(float);

    private static void CheckHeader(FileStream stream, string path, int dimension)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.Position = 0;
        if (stream.Length < HeaderBytes || stream.Read(header) != HeaderBytes || !header[..4].SequenceEqual(Magic))
        {
            throw new SearchIndexException($"{path}: not a ClipSharp embedding file.");
        }

        int stored = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (stored != dimension)
        {
            throw new SearchIndexException($"{path}: holds {stored}-wide embeddings but the catalog says {dimension}.");
        }
    }
}

using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using ClipSharp.IO;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>
/// Builds a safetensors file: tensors in ordinal name order, <c>__metadata__</c> first in the header, the header
/// padded with spaces to a multiple of 8 bytes, and the file written atomically.
/// Floats are stored as F32, F16 or BF16 (rounded to nearest, ties to even); integers as I8, I32 or I64.
/// The writer keeps references to the data it is given and encodes it only when the file is written.
/// </summary>
public sealed class SafeTensorsWriter
{
    private const int ChunkElements = 1 << 14;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _metadata = [];

    public int Count => _entries.Count;

    public SafeTensorsWriter AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (_metadata.Any(m => m.Key == key))
        {
            throw new ArgumentException($"metadata key '{key}' is already set.", nameof(key));
        }

        _metadata.Add(new(key, value));
        return this;
    }

    public SafeTensorsWriter Add(string name, Tensor tensor, SafeTensorsDType dtype = SafeTensorsDType.F32)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Add(name, tensor.Memory, tensor.Shape.ToArray(), dtype);
    }

    public SafeTensorsWriter Add(string name, ReadOnlyMemory<float> data, int[] shape, SafeTensorsDType dtype = SafeTensorsDType.F32)
    {
        if (dtype is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16))
        {
            throw new ArgumentException($"tensor '{name}': float data can be stored as F32, F16 or BF16, not {dtype}.", nameof(dtype));
        }

        CheckShape(name, shape, data.Length);
        return AddEntry(new Entry(name, dtype, (int[])shape.Clone(), (long)data.Length * dtype.ElementSize(), s => WriteFloats(s, data, dtype)));
    }

    /// <summary>
    /// A 1-D F32 tensor of <paramref name="length"/> elements whose little-endian bytes <paramref name="write"/> puts on
    /// the stream when the file is written: for data assembled piece by piece as it is written, never held whole.
    /// </summary>
    public SafeTensorsWriter AddStreamed(string name, int length, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bytes = (long)length * sizeof(float);
        return AddEntry(new Entry(name, SafeTensorsDType.F32, [length], bytes, stream =>
        {
            long before = stream.CanSeek ? stream.Position : -1;
            write(stream);
            if (before >= 0 && stream.Position - before != bytes)
            {
                throw new InvalidDataException($"tensor '{name}': {stream.Position - before} bytes were written for its {bytes}.");
            }
        }));
    }

    public SafeTensorsWriter AddInt8(string name, ReadOnlyMemory<sbyte> data, params int[] shape)
    {
        CheckShape(name, shape, data.Length);
        return AddEntry(new Entry(name, SafeTensorsDType.I8, (int[])shape.Clone(), data.Length, s => s.Write(MemoryMarshal.AsBytes(data.Span))));
    }

    public SafeTensorsWriter AddInt32(string name, ReadOnlyMemory<int> data, params int[] shape)
    {
        CheckShape(name, shape, data.Length);
        return AddEntry(new Entry(name, SafeTensorsDType.I32, (int[])shape.Clone(), (long)data.Length * 4, s => s.Write(MemoryMarshal.AsBytes(data.Span))));
    }

    public SafeTensorsWriter AddInt64(string name, ReadOnlyMemory<long> data, params int[] shape)
    {
        CheckShape(name, shape, data.Length);
        return AddEntry(new Entry(name, SafeTensorsDType.I64, (int[])shape.Clone(), (long)data.Length * 8, s => s.Write(MemoryMarshal.AsBytes(data.Span))));
    }

    /// <summary>The complete header: 8-byte little-endian length, then the space-padded JSON.</summary>
    public byte[] BuildHeader()
    {
        var json = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (_metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (key, value) in _metadata)
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            foreach (Entry e in Sorted())
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.DType.HeaderName());
                w.WriteStartArray("shape");
                foreach (int d in e.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + e.ByteLength);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += e.ByteLength;
            }

            w.WriteEndObject();
        }

        int padded = (json.WrittenCount + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BitConverter.TryWriteBytes(header.AsSpan(0, 8), (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return header;
    }

    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; this writer needs a little-endian machine.");
        }

        stream.Write(BuildHeader());
        foreach (Entry e in Sorted())
        {
            e.Write(stream);
        }
    }

    /// <summary>Writes the file atomically; without <paramref name="overwrite"/> an existing file is an error.</summary>
    public void Save(string path, bool overwrite = false) => AtomicFile.Write(path, WriteTo, overwrite);

    /// <summary>float32 to bfloat16, round to nearest with ties to even; NaN stays a (quiet) NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    private IEnumerable<Entry> Sorted() => _entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal);

    private SafeTensorsWriter AddEntry(Entry entry)
    {
        if (entry.Name.Length == 0 || entry.Name == "__metadata__")
        {
            throw new ArgumentException($"'{entry.Name}' cannot name a tensor.", nameof(entry));
        }

        if (!_entries.TryAdd(entry.Name, entry))
        {
            throw new ArgumentException($"tensor '{entry.Name}' is already added.", nameof(entry));
        }

        return this;
    }

    private static void CheckShape(string name, int[] shape, int length)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(d => d < 0) || Tensor.ElementCount(shape) != length)
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] does not hold {length} elements.", nameof(shape));
        }
    }

    private static void WriteFloats(Stream stream, ReadOnlyMemory<float> data, SafeTensorsDType dtype)
    {
        if (dtype == SafeTensorsDType.F32)
        {
            stream.Write(MemoryMarshal.AsBytes(data.Span));
            return;
        }

        var buffer = new ushort[Math.Min(ChunkElements, data.Length)];
        for (int start = 0; start < data.Length; start += buffer.Length)
        {
            ReadOnlySpan<float> chunk = data.Span.Slice(start, Math.Min(buffer.Length, data.Length - start));
            for (int i = 0; i < chunk.Length; i++)
            {
                buffer[i] = dtype == SafeTensorsDType.F16
                    ? BitConverter.HalfToUInt16Bits((Half)chunk[i])
                    : ToBFloat16(chunk[i]);
            }

            stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, chunk.Length)));
        }
    }

    private sealed record Entry(string Name, SafeTensorsDType DType, int[] Shape, long ByteLength, Action<Stream> Write);
}

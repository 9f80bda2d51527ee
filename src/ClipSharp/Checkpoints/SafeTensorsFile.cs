using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>
/// A memory-mapped safetensors file. The header is validated in full before any tensor is read,
/// so a hostile or truncated file fails with a message instead of a wild read.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    // Real headers are kilobytes; 100 MB is what the reference implementation allows.
    private const long MaxHeaderLength = 100L * 1024 * 1024;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    private SafeTensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePtr, long fileLength)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePtr;
        (_tensors, Metadata, _dataStart) = ParseHeader(path, basePtr, fileLength);
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IEnumerable<string> Names => _tensors.Keys;

    public IReadOnlyCollection<SafeTensorInfo> Tensors => _tensors.Values;

    public static SafeTensorsFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file.", path);
        }

        if (info.Length < 8)
        {
            throw new CheckpointFormatException($"{path}: {info.Length} bytes is too short for a safetensors file (it needs an 8-byte header length).");
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            ptr += view.PointerOffset;
            return new SafeTensorsFile(path, map, view, ptr, info.Length);
        }
        catch
        {
            if (view is not null)
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                view.Dispose();
            }

            map.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public SafeTensorInfo Info(string name)
        => _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");

    public ReadOnlySpan<byte> RawBytes(string name)
    {
        var t = Info(name);
        return new ReadOnlySpan<byte>(_base + _dataStart + t.Begin, checked((int)(t.End - t.Begin)));
    }

    /// <summary>Reads a floating-point tensor as float32 (F16, BF16 and F64 are converted).</summary>
    public Tensor ReadTensor(string name)
    {
        var t = Info(name);
        var data = new float[t.ElementCount];
        ReadOnlySpan<byte> raw = RawBytes(name);
        switch (t.DType)
        {
            case SafeTensorsDType.F32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(data);
                break;
            case SafeTensorsDType.F16:
                ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)halves[i];
                }

                break;
            case SafeTensorsDType.BF16:
                ReadOnlySpan<ushort> bf = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = BitConverter.Int32BitsToSingle(bf[i] << 16);
                }

                break;
            case SafeTensorsDType.F64:
                ReadOnlySpan<double> doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)doubles[i];
                }

                break;
            default:
                throw new CheckpointFormatException($"{Path}: tensor '{name}' has dtype {t.DType}, not a floating-point type.");
        }

        return new Tensor(data, t.Shape);
    }

    public double[] ReadFloat64(string name)
    {
        var t = Info(name);
        if (t.DType == SafeTensorsDType.F64)
        {
            return MemoryMarshal.Cast<byte, double>(RawBytes(name)).ToArray();
        }

        return Array.ConvertAll(ReadTensor(name).ToArray(), x => (double)x);
    }

    /// <summary>Reads an integer tensor (I32 or I64) as int32, rejecting values that do not fit.</summary>
    public int[] ReadInt32(string name)
    {
        var t = Info(name);
        switch (t.DType)
        {
            case SafeTensorsDType.I32:
                return MemoryMarshal.Cast<byte, int>(RawBytes(name)).ToArray();
            case SafeTensorsDType.I64:
                ReadOnlySpan<long> longs = MemoryMarshal.Cast<byte, long>(RawBytes(name));
                var result = new int[longs.Length];
                for (int i = 0; i < longs.Length; i++)
                {
                    result[i] = checked((int)longs[i]);
                }

                return result;
            default:
                throw new CheckpointFormatException($"{Path}: tensor '{name}' has dtype {t.DType}, not an integer type.");
        }
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
    }

    private static int ElementSize(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        _ => 8,
    };

    private static (Dictionary<string, SafeTensorInfo>, IReadOnlyDictionary<string, string>, long) ParseHeader(
        string path, byte* basePtr, long fileLength)
    {
        long headerLength = *(long*)basePtr;
        if (headerLength <= 0 || headerLength > MaxHeaderLength || headerLength > fileLength - 8)
        {
            throw new CheckpointFormatException(
                $"{path}: declared header length {headerLength} is impossible for a file of {fileLength} bytes.");
        }

        var headerBytes = new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength);
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{path}: the header is not valid JSON ({e.Message}).", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException($"{path}: the header is not a JSON object.");
            }

            foreach (JsonProperty entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new CheckpointFormatException($"{path}: __metadata__ is not an object.");
                    }

                    foreach (JsonProperty m in entry.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                        {
                            throw new CheckpointFormatException($"{path}: __metadata__ value '{m.Name}' is not a string.");
                        }

                        metadata[m.Name] = m.Value.GetString()!;
                    }

                    continue;
                }

                tensors.Add(entry.Name, ParseEntry(path, entry, dataLength));
            }
        }

        CheckNoOverlap(path, tensors.Values);
        return (tensors, metadata, dataStart);
    }

    private static SafeTensorInfo ParseEntry(string path, JsonProperty entry, long dataLength)
    {
        JsonElement e = entry.Value;
        string Where() => $"{path}: tensor '{entry.Name}'";
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out JsonElement dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out JsonElement shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out JsonElement offEl) || offEl.ValueKind != JsonValueKind.Array
            || offEl.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException($"{Where()} needs \"dtype\", \"shape\" and two \"data_offsets\".");
        }

        if (!Enum.TryParse(dtypeEl.GetString(), ignoreCase: false, out SafeTensorsDType dtype) || !Enum.IsDefined(dtype))
        {
            throw new CheckpointFormatException($"{Where()} has unsupported dtype '{dtypeEl.GetString()}'.");
        }

        var shape = new int[shapeEl.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[i]) || shape[i] < 0)
            {
                throw new CheckpointFormatException($"{Where()} has an invalid shape dimension {d}.");
            }

            i++;
        }

        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
        {
            throw new CheckpointFormatException(
                $"{Where()} has data_offsets [{offEl[0]}, {offEl[1]}] outside the {dataLength}-byte data section.");
        }

        long elements;
        try
        {
            elements = checked(Tensor.ElementCount(shape) * ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException($"{Where()} declares a shape too large to exist.");
        }

        if (elements != end - begin)
        {
            throw new CheckpointFormatException(
                $"{Where()} has shape [{string.Join(", ", shape)}] of {dtype} ({elements} bytes) but its offsets span {end - begin} bytes.");
        }

        return new SafeTensorInfo(entry.Name, dtype, shape, begin, end);
    }

    private static void CheckNoOverlap(string path, IEnumerable<SafeTensorInfo> tensors)
    {
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo t in tensors.Where(t => t.End > t.Begin).OrderBy(t => t.Begin))
        {
            if (previous is not null && t.Begin < previous.End)
            {
                throw new CheckpointFormatException($"{path}: tensors '{previous.Name}' and '{t.Name}' overlap.");
            }

            previous = t;
        }
    }
}

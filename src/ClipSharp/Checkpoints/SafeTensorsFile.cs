using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using ClipSharp.Tensors;
using Microsoft.Win32.SafeHandles;

namespace ClipSharp.Checkpoints;

/// <summary>
/// A memory-mapped safetensors file. The header is validated in full before any tensor is read,
/// so a hostile or truncated file fails with a message instead of a wild read.
/// </summary>
/// <remarks>
/// The file is mapped copy-on-write: the tensors of <see cref="MapTensor"/> may be written to, which changes
/// this process's pages only, never the file. Supported element types: F32, F16, BF16 and F64 convert to
/// float32; I32 and I64 to int32; BOOL, U8, I8, I16, U16, U32, U64 and the F8 types are accepted in the
/// header and readable through <see cref="RawBytes"/> only.
/// </remarks>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private bool _disposed;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr, long fileLength)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePtr;
        long headerLength = SafeTensorsHeader.CheckLength(path, BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePtr, 8)), fileLength);
        _dataStart = 8 + headerLength;
        var header = SafeTensorsHeader.Parse(path, new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength), fileLength - _dataStart);
        _tensors = header.Tensors;
        Metadata = header.Metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names in header order.</summary>
    public IEnumerable<string> Names => _tensors.Keys;

    public IReadOnlyCollection<SafeTensorInfo> Tensors => _tensors.Values;

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file.", path);
        }

        // The length comes from the opened file, not the directory entry: a symbolic link (as model caches use)
        // reports the link's own size.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw new CheckpointFormatException($"{path}: {length} bytes is too short for a safetensors file (it needs an 8-byte header length).");
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.CopyOnWrite, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            acquired = true;
            return new SafeTensorsFile(path, map, view, ptr + view.PointerOffset, length);
        }
        catch
        {
            if (acquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            if (map is null)
            {
                stream.Dispose();
            }

            map?.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public SafeTensorInfo Info(string name)
        => _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");

    public ReadOnlySpan<byte> RawBytes(string name)
    {
        ThrowIfDisposed();
        var t = Info(name);
        long length = t.End - t.Begin;
        if (length > int.MaxValue)
        {
            throw new CheckpointFormatException($"{Path}: tensor '{name}' holds {length} bytes, more than one span can address.");
        }

        return new ReadOnlySpan<byte>(_base + _dataStart + t.Begin, (int)length);
    }

    /// <summary>Reads a floating-point tensor as a float32 copy (F16, BF16 and F64 are converted).</summary>
    public Tensor ReadTensor(string name)
    {
        var t = Info(name);
        var data = new float[CheckedElementCount(t)];
        ReadInto(name, data);
        return new Tensor(data, t.Shape);
    }

    /// <summary>
    /// Reads a floating-point tensor into <paramref name="destination"/> (exactly its element count), converting
    /// F16, BF16 and F64 to float32 as <see cref="ReadTensor"/> does.
    /// </summary>
    public void ReadInto(string name, Span<float> destination)
    {
        var t = Info(name);
        if (destination.Length != t.ElementCount)
        {
            throw new ArgumentException(
                $"{Path}: tensor '{name}' has {t.ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        }

        ReadOnlySpan<byte> raw = RawBytes(name);
        switch (t.DType)
        {
            case SafeTensorsDType.F32:
                ReadFloat32(t, destination);
                break;
            case SafeTensorsDType.F16:
                ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)halves[i];
                }

                break;
            case SafeTensorsDType.BF16:
                ReadOnlySpan<ushort> bf = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(bf[i] << 16);
                }

                break;
            case SafeTensorsDType.F64:
                ReadOnlySpan<double> doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)doubles[i];
                }

                break;
            default:
                throw new CheckpointFormatException($"{Path}: tensor '{name}' has dtype {t.DType}, not a floating-point type.");
        }
    }

    // A read() rather than a copy out of the mapping: touched pages of a mapping count towards the process's
    // resident set until it is unmapped, so copying a whole model would briefly hold it twice.
    private void ReadFloat32(SafeTensorInfo t, Span<float> destination)
    {
        ThrowIfDisposed();
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        long offset = _dataStart + t.Begin;
        using SafeFileHandle handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        while (!bytes.IsEmpty)
        {
            int read = RandomAccess.Read(handle, bytes, offset);
            if (read <= 0)
            {
                throw new CheckpointFormatException($"{Path}: the file ended inside tensor '{t.Name}'; was it truncated while open?");
            }

            bytes = bytes[read..];
            offset += read;
        }
    }

    /// <summary>True when <see cref="MapTensor"/> can return the tensor without copying (F32 and 4-byte aligned).</summary>
    public bool CanMap(string name)
    {
        var t = Info(name);
        return t.DType == SafeTensorsDType.F32 && ((nuint)(_base + _dataStart + t.Begin) & 3) == 0;
    }

    /// <summary>
    /// A float32 tensor over the mapped file itself when <see cref="CanMap"/> holds, else a converted copy as
    /// <see cref="ReadTensor"/> makes. A mapped tensor is valid only while this file is open: its Memory throws
    /// <see cref="ObjectDisposedException"/> after <see cref="Dispose"/>, and spans taken earlier must not be used then.
    /// </summary>
    public Tensor MapTensor(string name)
    {
        if (!CanMap(name))
        {
            return ReadTensor(name);
        }

        ThrowIfDisposed();
        var t = Info(name);
        var memory = new MappedFloatMemory(this, (float*)(_base + _dataStart + t.Begin), CheckedElementCount(t));
        return new Tensor(memory.Memory, t.Shape);
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
                    if (longs[i] is < int.MinValue or > int.MaxValue)
                    {
                        throw new CheckpointFormatException($"{Path}: tensor '{name}' element {i} = {longs[i]} does not fit in an int32.");
                    }

                    result[i] = (int)longs[i];
                }

                return result;
            default:
                throw new CheckpointFormatException($"{Path}: tensor '{name}' has dtype {t.DType}, not I32 or I64.");
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private int CheckedElementCount(SafeTensorInfo t)
    {
        long n = t.ElementCount;
        if (n > Array.MaxLength)
        {
            throw new CheckpointFormatException($"{Path}: tensor '{t.Name}' has {n} elements, more than one float32 tensor can hold.");
        }

        return (int)n;
    }
}

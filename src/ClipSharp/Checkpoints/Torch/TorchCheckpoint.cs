using System.IO.Compression;
using System.Numerics;

namespace ClipSharp.Checkpoints.Torch;

/// <summary>
/// A PyTorch checkpoint read without executing anything: a <c>torch.save</c> zip archive, a legacy pickle-stream
/// file, or a TorchScript archive. <see cref="Root"/> is the unpickled object; <see cref="Tensors"/> the state dict
/// found in it (an OrderedDict of tensors, an open_clip checkpoint's <c>state_dict</c>, or a TorchScript module
/// tree's parameters and buffers under their dotted paths). Storage bytes are read when a tensor is materialised,
/// so the checkpoint keeps its stream open until disposed. Every malformed input raises
/// <see cref="CheckpointFormatException"/> naming the source.
/// </summary>
public sealed class TorchCheckpoint : IDisposable
{
    private const int MaxModuleDepth = 64;

    // The first pickle of a legacy file: torch's magic number.
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);

    private readonly Stream _stream;
    private readonly ZipArchive? _archive;

    private TorchCheckpoint(string source, TorchFileFormat format, object? root, IReadOnlyList<KeyValuePair<string, TorchTensor>> tensors, Stream stream, ZipArchive? archive)
    {
        Source = source;
        Format = format;
        Root = root;
        Tensors = tensors;
        _stream = stream;
        _archive = archive;
    }

    public string Source { get; }

    public TorchFileFormat Format { get; }

    public object? Root { get; }

    /// <summary>The state dict in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, TorchTensor>> Tensors { get; }

    public static TorchCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try
        {
            return Read(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads from a seekable stream, which the checkpoint then owns.</summary>
    public static TorchCheckpoint Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("the stream must be readable and seekable.", nameof(stream));
        }

        Span<byte> magic = stackalloc byte[4];
        stream.Position = 0;
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (got == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4)
        {
            return ReadZip(stream, source);
        }

        if (got >= 2 && magic[0] == 0x80)
        {
            return ReadLegacy(stream, source);
        }

        throw new CheckpointFormatException($"{source}: not a PyTorch checkpoint (neither a zip archive nor a pickle stream).");
    }

    public void Dispose()
    {
        _archive?.Dispose();
        _stream.Dispose();
    }

    private static TorchCheckpoint ReadZip(Stream stream, string source)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException($"{source}: a broken zip archive: {e.Message}", e);
        }

        try
        {
            ZipArchiveEntry[] pickles = archive.Entries
                .Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.IndexOf('/', StringComparison.Ordinal) == e.FullName.Length - "/data.pkl".Length)
                .ToArray();
            if (pickles.Length != 1)
            {
                throw new CheckpointFormatException($"{source}: a PyTorch archive has exactly one '<folder>/data.pkl'; this zip has {pickles.Length}.");
            }

            string folder = pickles[0].FullName[..^"data.pkl".Length];
            bool torchScript = archive.GetEntry(folder + "constants.pkl") is not null
                || archive.Entries.Any(e => e.FullName.StartsWith(folder + "code/", StringComparison.Ordinal));
            byte[] pickle = ZipStorageSource.ReadEntry(pickles[0], pickles[0].Length, source, stream.Length);
            var ids = new StorageIds(source, new ZipStorageSource(archive, folder, source, stream.Length), legacy: false);
            var reader = new PickleReader(new MemoryStream(pickle, writable: false), $"{source}: {pickles[0].FullName}", ids.Load)
            {
                AllowModuleClasses = torchScript,
            };
            object? root = reader.Load();
            var tensors = torchScript ? ModuleTensors(root, source) : StateDictTensors(root, source);
            return new TorchCheckpoint(source, torchScript ? TorchFileFormat.TorchScript : TorchFileFormat.Zip, root, tensors, stream, archive);
        }
        catch (InvalidDataException e)
        {
            // The archive reads its central directory lazily, so a broken one shows up here.
            archive.Dispose();
            throw new CheckpointFormatException($"{source}: a broken zip archive: {e.Message}", e);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private static TorchCheckpoint ReadLegacy(Stream stream, string source)
    {
        var storages = new LegacyStorageSource(stream, source);
        var ids = new StorageIds(source, storages, legacy: true);
        object? NoPersistentIds(PickleTuple id) => throw new CheckpointFormatException($"{source}: a persistent id in a legacy header pickle.");

        object? magic = new PickleReader(stream, source, NoPersistentIds).Load();
        if (magic is not BigInteger m || m != LegacyMagic)
        {
            throw new CheckpointFormatException($"{source}: a pickle stream, but not a PyTorch legacy checkpoint (its magic number is missing).");
        }

        object? protocol = new PickleReader(stream, source, NoPersistentIds).Load();
        if (protocol is not 1001L)
        {
            throw new CheckpointFormatException($"{source}: legacy protocol version {PickleReader.Describe(protocol)} {protocol}; only 1001 is read.");
        }

        object? sysInfo = new PickleReader(stream, source, NoPersistentIds).Load();
        if (sysInfo is not PickleDict info || !info.TryGet("little_endian", out object? little) || little is not true)
        {
            throw new CheckpointFormatException($"{source}: the legacy checkpoint was not written little-endian.");
        }

        object? root = new PickleReader(stream, source, ids.Load).Load();
        object? keyList = new PickleReader(stream, source, NoPersistentIds).Load();
        if (keyList is not PickleList keys || keys.Items.Any(k => k is not string))
        {
            throw new CheckpointFormatException($"{source}: the legacy storage key list is not a list of strings.");
        }

        storages.Index(keys.Items.Cast<string>().ToArray(), ids.Storages);
        return new TorchCheckpoint(source, TorchFileFormat.Legacy, root, StateDictTensors(root, source), stream, null);
    }

    /// <summary>An OrderedDict of tensors, or a checkpoint dict whose <c>state_dict</c> is one (open_clip).</summary>
    private static List<KeyValuePair<string, TorchTensor>> StateDictTensors(object? root, string source)
    {
        if (root is not PickleDict dict)
        {
            throw new CheckpointFormatException($"{source}: the checkpoint holds a {PickleReader.Describe(root)}, not a state dict.");
        }

        if (dict.TryGet("state_dict", out object? inner))
        {
            dict = inner as PickleDict
                ?? throw new CheckpointFormatException($"{source}: its 'state_dict' is a {PickleReader.Describe(inner)}, not a dict.");
        }

        var tensors = new List<KeyValuePair<string, TorchTensor>>(dict.Entries.Count);
        foreach (var (key, value) in dict.Entries)
        {
            if (key is not string name || value is not TorchTensor tensor)
            {
                throw new CheckpointFormatException(
                    $"{source}: a state dict maps names to tensors, but it holds {PickleReader.Describe(key)} '{key}' -> {PickleReader.Describe(value)}"
                    + (dict == root ? " (a training checkpoint keeps its weights under 'state_dict')." : "."));
            }

            tensors.Add(new(name, tensor));
        }

        return tensors;
    }

    /// <summary>A TorchScript module tree's tensors, named by their dotted attribute paths like <c>state_dict()</c>.</summary>
    private static List<KeyValuePair<string, TorchTensor>> ModuleTensors(object? root, string source)
    {
        if (root is not PickleObject module)
        {
            throw new CheckpointFormatException($"{source}: a TorchScript archive whose data.pkl holds a {PickleReader.Describe(root)}, not a module.");
        }

        var tensors = new List<KeyValuePair<string, TorchTensor>>();
        var onPath = new HashSet<PickleObject>(ReferenceEqualityComparer.Instance);
        Walk(module, string.Empty, 0);
        return tensors;

        void Walk(PickleObject m, string prefix, int depth)
        {
            if (depth > MaxModuleDepth || !onPath.Add(m))
            {
                throw new CheckpointFormatException($"{source}: the module tree is cyclic or nested deeper than {MaxModuleDepth} at '{prefix}'.");
            }

            foreach (var (key, value) in m.Attributes?.Entries ?? [])
            {
                if (key is not string name)
                {
                    throw new CheckpointFormatException($"{source}: module {m.ClassName} has an attribute named by a {PickleReader.Describe(key)}.");
                }

                if (value is TorchTensor tensor)
                {
                    tensors.Add(new(prefix + name, tensor));
                }
                else if (value is PickleObject child)
                {
                    Walk(child, prefix + name + ".", depth + 1);
                }
            }

            onPath.Remove(m);
        }
    }
}

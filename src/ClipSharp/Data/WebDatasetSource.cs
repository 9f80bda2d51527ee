using System.Formats.Tar;
using System.Text;

namespace ClipSharp.Data;

/// <summary>
/// Webdataset shards: POSIX tar files in which the members sharing a key (the member path up to the first dot of
/// its file name) form one sample, here <c>key.jpg</c> (or png, webp, ...) and <c>key.txt</c>. Listing reads the
/// captions and records where each image's bytes lie, so images are read from the shard only when decoded.
/// </summary>
public static class WebDatasetSource
{
    public static CaptionDataset Load(IReadOnlyList<string> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0)
        {
            throw new ArgumentException("no webdataset shards given.", nameof(shards));
        }

        var samples = new List<CaptionedSample>();
        var skipped = new List<BadSample>();
        foreach (string shard in shards)
        {
            LoadShard(shard, samples, skipped);
        }

        return new CaptionDataset(string.Join(", ", shards), samples, skipped);
    }

    /// <summary>
    /// Shard paths from a comma-separated list whose items may use <c>*</c> and <c>?</c> in the file name
    /// (e.g. <c>data/shard-*.tar</c>); each glob's matches are sorted ordinally. A glob that matches nothing is an error.
    /// </summary>
    public static IReadOnlyList<string> ExpandShards(string spec)
    {
        ArgumentException.ThrowIfNullOrEmpty(spec);
        var result = new List<string>();
        foreach (string item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string file = Path.GetFileName(item);
            if (file.Contains('*', StringComparison.Ordinal) || file.Contains('?', StringComparison.Ordinal))
            {
                string folder = Path.GetDirectoryName(item) is { Length: > 0 } d ? d : ".";
                string[] matches = Directory.Exists(folder)
                    ? [.. Directory.EnumerateFiles(folder, file).Order(StringComparer.Ordinal)]
                    : [];
                if (matches.Length == 0)
                {
                    throw new FileNotFoundException($"{item}: no shard matches.");
                }

                result.AddRange(matches);
            }
            else
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static void LoadShard(string shard, List<CaptionedSample> samples, List<BadSample> skipped)
    {
        if (!File.Exists(shard))
        {
            throw new FileNotFoundException($"{shard}: shard not found.", shard);
        }

        string shardName = Path.GetFileName(shard);
        // key → (image member, offset, length, caption); keys kept in the order of their first member.
        var order = new List<string>();
        var images = new Dictionary<string, (string Member, long Offset, long Length)>(StringComparer.Ordinal);
        var captions = new Dictionary<string, string>(StringComparer.Ordinal);
        using (FileStream stream = File.OpenRead(shard))
        {
            TarMetadataSizes.Check(stream, shard);
            TarReader reader;
            try
            {
                reader = new TarReader(stream);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException)
            {
                throw new InvalidDataException($"{shard}: not a tar file: {e.Message}", e);
            }

            using (reader)
            {
                while (true)
                {
                    TarEntry? entry;
                    try
                    {
                        entry = reader.GetNextEntry(copyData: false);
                    }
                    // TarReader also throws OverflowException for a number too large for its field's type, and
                    // InvalidOperationException for a metadata member larger than it accepts.
                    catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException
                        or OverflowException or InvalidOperationException)
                    {
                        throw new InvalidDataException($"{shard}: corrupt tar after {order.Count} samples: {e.Message}", e);
                    }

                    if (entry is null)
                    {
                        break;
                    }

                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    {
                        continue;
                    }

                    (string key, string ext) = SplitMember(entry.Name);
                    if (!images.ContainsKey(key) && !captions.ContainsKey(key))
                    {
                        order.Add(key);
                    }

                    if (ext == "txt")
                    {
                        using var text = new StreamReader(entry.DataStream ?? Stream.Null, Encoding.UTF8);
                        captions[key] = text.ReadToEnd();
                    }
                    else if (ImageFolderSource.IsImage("x." + ext))
                    {
                        images[key] = (entry.Name, LocateData(stream, entry, shard), entry.Length);
                    }
                }
            }
        }

        foreach (string key in order)
        {
            string sampleKey = $"{shardName}/{key}";
            bool hasImage = images.TryGetValue(key, out var image);
            captions.TryGetValue(key, out string? caption);
            if (!hasImage)
            {
                skipped.Add(new BadSample(sampleKey, shard, "no image member"));
                continue;
            }

            if (caption is null)
            {
                skipped.Add(new BadSample(sampleKey, shard, "no caption member (.txt)"));
                continue;
            }

            caption = caption.Trim();
            if (caption.Length == 0)
            {
                skipped.Add(new BadSample(sampleKey, shard, "empty caption"));
                continue;
            }

            string member = $"{shard}:{image.Member}";
            (long offset, long length) = (image.Offset, image.Length);
            samples.Add(new CaptionedSample(sampleKey, ImageSource.FromEncoded(member, () => ReadRange(shard, offset, length)), caption));
        }
    }

    /// <summary>
    /// The offset of a member's data in the shard. TarReader does not expose it: on a seekable archive it leaves the
    /// stream either at the data or just past its padded end, so both candidates are checked against the member's
    /// first bytes read through its data stream.
    /// </summary>
    private static long LocateData(FileStream stream, TarEntry entry, string shard)
    {
        long position = stream.Position;
        long padded = (entry.Length + 511) / 512 * 512;
        var expected = new byte[(int)Math.Min(entry.Length, 64)];
        Stream data = entry.DataStream ?? Stream.Null;
        if (data.ReadAtLeast(expected, expected.Length, throwOnEndOfStream: false) < expected.Length)
        {
            throw new InvalidDataException($"{shard}: member '{entry.Name}' is truncated: the file ends inside its data.");
        }

        var actual = new byte[expected.Length];
        try
        {
            foreach (long candidate in new[] { position, position - padded })
            {
                if (candidate < 0 || candidate + entry.Length > stream.Length)
                {
                    continue;
                }

                stream.Position = candidate;
                stream.ReadExactly(actual);
                if (actual.AsSpan().SequenceEqual(expected))
                {
                    return candidate;
                }
            }
        }
        finally
        {
            stream.Position = position;
        }

        throw new InvalidDataException($"{shard}: cannot locate the data of member '{entry.Name}' in the archive.");
    }

    // "a/b/000123.jpg" → ("a/b/000123", "jpg"); "x.seg.png" → ("x", "seg.png") as webdataset does.
    private static (string Key, string Extension) SplitMember(string name)
    {
        int slash = name.LastIndexOf('/');
        int dot = name.IndexOf('.', slash + 1);
        return dot < 0 ? (name, string.Empty) : (name[..dot], name[(dot + 1)..].ToLowerInvariant());
    }

    private static byte[] ReadRange(string path, long offset, long length)
    {
        if (length > Array.MaxLength)
        {
            throw new InvalidDataException($"{path}: a member of {length} bytes at offset {offset} is too large to decode.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12, FileOptions.RandomAccess);
        var data = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(data);
        return data;
    }
}

using System.Text.Json;
using System.Text.Unicode;

namespace ClipSharp.Checkpoints;

/// <summary>
/// The validated JSON header of a safetensors file. Everything a reader later trusts (offsets, sizes,
/// coverage of the data section) is checked here, so a hostile file fails before any tensor byte is touched.
/// </summary>
internal sealed class SafeTensorsHeader
{
    // Real headers are kilobytes; 100 MB is the limit of the format's reference implementation.
    public const long MaxLength = 100L * 1024 * 1024;

    private SafeTensorsHeader(Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensors in header order (a Dictionary keeps insertion order while nothing is removed).</summary>
    public Dictionary<string, SafeTensorInfo> Tensors { get; }

    public Dictionary<string, string> Metadata { get; }

    /// <summary>Checks the 8-byte length prefix against the file size and returns the header length.</summary>
    public static long CheckLength(string path, ulong declared, long fileLength)
    {
        if (declared == 0 || declared > (ulong)MaxLength)
        {
            throw new CheckpointFormatException(
                $"{path}: declared header length {declared} is outside 1..{MaxLength} bytes; this is not a safetensors file or it is corrupt.");
        }

        if ((long)declared > fileLength - 8)
        {
            throw new CheckpointFormatException(
                $"{path}: declared header length {declared} runs past the end of the {fileLength}-byte file (truncated?).");
        }

        return (long)declared;
    }

    public static SafeTensorsHeader Parse(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        if (!Utf8.IsValid(header))
        {
            throw new CheckpointFormatException($"{path}: the header is not valid UTF-8.");
        }

        if (header[0] != (byte)'{')
        {
            throw new CheckpointFormatException($"{path}: the header does not start with '{{', so it is not a JSON object.");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{path}: the header is not valid JSON ({e.Message}).", e);
        }

        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
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
                    if (sawMetadata)
                    {
                        throw new CheckpointFormatException($"{path}: the header has two \"__metadata__\" entries.");
                    }

                    sawMetadata = true;
                    ParseMetadata(path, entry.Value, metadata);
                    continue;
                }

                if (tensors.ContainsKey(entry.Name))
                {
                    throw new CheckpointFormatException($"{path}: the header names tensor '{entry.Name}' twice.");
                }

                tensors.Add(entry.Name, ParseEntry(path, entry, dataLength));
            }
        }

        CheckCoverage(path, tensors.Values, dataLength);
        return new SafeTensorsHeader(tensors, metadata);
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException($"{path}: \"__metadata__\" is a JSON {value.ValueKind}, not an object of strings.");
        }

        foreach (JsonProperty m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(
                    $"{path}: \"__metadata__\" value '{m.Name}' is a JSON {m.Value.ValueKind}; the format allows only strings.");
            }

            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
            {
                throw new CheckpointFormatException($"{path}: \"__metadata__\" has the key '{m.Name}' twice.");
            }
        }
    }

    private static SafeTensorInfo ParseEntry(string path, JsonProperty entry, long dataLength)
    {
        JsonElement e = entry.Value;
        string where = $"{path}: tensor '{entry.Name}'";
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out JsonElement dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out JsonElement shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out JsonElement offEl) || offEl.ValueKind != JsonValueKind.Array
            || offEl.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException($"{where} needs a string \"dtype\", an array \"shape\" and two \"data_offsets\".");
        }

        SafeTensorsDType dtype = SafeTensorsDTypes.Parse(dtypeEl.GetString())
            ?? throw new CheckpointFormatException($"{where} has unknown dtype '{dtypeEl.GetString()}'.");

        var shape = new int[shapeEl.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[i]) || shape[i] < 0)
            {
                throw new CheckpointFormatException($"{where} has shape dimension {d.GetRawText()}, not an integer in 0..{int.MaxValue}.");
            }

            i++;
        }

        if (offEl[0].ValueKind != JsonValueKind.Number || offEl[1].ValueKind != JsonValueKind.Number
            || !offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end)
            || begin < 0 || end < begin || end > dataLength)
        {
            throw new CheckpointFormatException(
                $"{where} has data_offsets [{offEl[0].GetRawText()}, {offEl[1].GetRawText()}], not a range inside the {dataLength}-byte data section.");
        }

        long bytes = ByteCount(shape, dtype)
            ?? throw new CheckpointFormatException($"{where} declares shape [{string.Join(", ", shape)}], too large to exist.");
        if (bytes != end - begin)
        {
            throw new CheckpointFormatException(
                $"{where} has shape [{string.Join(", ", shape)}] of {dtype} ({bytes} bytes) but its data_offsets span {end - begin} bytes.");
        }

        return new SafeTensorInfo(entry.Name, dtype, shape, begin, end);
    }

    /// <summary>The byte size of a shape, or null when it overflows a long.</summary>
    private static long? ByteCount(int[] shape, SafeTensorsDType dtype)
    {
        if (shape.Contains(0))
        {
            return 0;
        }

        long n = dtype.ElementSize();
        foreach (int d in shape)
        {
            if (n > long.MaxValue / d)
            {
                return null;
            }

            n *= d;
        }

        return n;
    }

    // The format requires the tensors to tile the data section exactly: no overlap (two names aliasing one
    // buffer), no hole and no trailing bytes (room for a second, hidden payload).
    private static void CheckCoverage(string path, IEnumerable<SafeTensorInfo> tensors, long dataLength)
    {
        long cursor = 0;
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < cursor)
            {
                throw new CheckpointFormatException(
                    $"{path}: tensors '{previous!.Name}' [{previous.Begin}, {previous.End}) and '{t.Name}' [{t.Begin}, {t.End}) overlap.");
            }

            if (t.Begin > cursor)
            {
                throw new CheckpointFormatException(
                    $"{path}: bytes [{cursor}, {t.Begin}) of the data section belong to no tensor (a hole before '{t.Name}').");
            }

            cursor = t.End;
            previous = t;
        }

        if (cursor != dataLength)
        {
            throw new CheckpointFormatException(
                $"{path}: the last {dataLength - cursor} bytes of the {dataLength}-byte data section belong to no tensor.");
        }
    }
}

using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ClipSharp.Text.Cleaning;

namespace ClipSharp.Text;

/// <summary>
/// The CLIP BPE vocabulary: id → token, token → id and the ranked merges, read from the OpenAI merges file or from a
/// Hugging Face vocab.json + merges.txt pair.
/// </summary>
internal sealed class ClipVocabulary
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    public const string EndOfWord = "</w>";

    /// <summary>The reference keeps merges 1..48894 of the file: 49152 ids minus 256 bytes minus the two specials.</summary>
    public const int MergeCount = 49152 - 256 - 2;

    private ClipVocabulary(string[] tokens, Dictionary<string, int> encoder, List<(string First, string Second)> merges)
    {
        Tokens = tokens;
        Encoder = encoder;
        Merges = merges;
    }

    /// <summary>id → token string (byte-level characters, '&lt;/w&gt;' marking a word end).</summary>
    public string[] Tokens { get; }

    public Dictionary<string, int> Encoder { get; }

    /// <summary>Merges in rank order.</summary>
    public List<(string First, string Second)> Merges { get; }

    public int StartOfTextId => Encoder[StartOfText];

    public int EndOfTextId => Encoder[EndOfText];

    public static ClipVocabulary FromOpenAi(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] raw = ReadAll(stream, source);
        bool gzip = raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B;
        if (!gzip && source.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"CLIP merges file '{source}' has a .gz name but is not gzip data.");
        }

        if (gzip)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var decompressed = new MemoryStream();
                gz.CopyTo(decompressed);
                raw = decompressed.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"CLIP merges file '{source}' is not valid gzip data: {e.Message}", e);
            }
        }

        string[] lines = DecodeUtf8(raw, source).Split('\n');
        if (lines.Length < 2 || (lines.Length == 2 && lines[1].Length == 0))
        {
            throw new InvalidDataException($"CLIP merges file '{source}' holds no merges (expected a version header line, then one merge a line).");
        }

        var merges = ParseMerges(lines, firstLine: 1, source);
        // The vocabulary: 256 byte symbols, the same with </w>, the joined merges, then the two specials.
        var tokens = new List<string>(512 + merges.Count + 2);
        foreach (char c in ByteLevelAlphabet.VocabularyOrder)
        {
            tokens.Add(c.ToString());
        }

        foreach (char c in ByteLevelAlphabet.VocabularyOrder)
        {
            tokens.Add(c + EndOfWord);
        }

        foreach (var (first, second) in merges)
        {
            tokens.Add(first + second);
        }

        tokens.Add(StartOfText);
        tokens.Add(EndOfText);
        var encoder = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++)
        {
            encoder[tokens[id]] = id; // like Python's dict(zip(vocab, range(...))): a repeated token keeps its last id
        }

        var vocabulary = new ClipVocabulary([.. tokens], encoder, merges);
        vocabulary.Validate(source, source);
        return vocabulary;
    }

    public static ClipVocabulary FromHuggingFace(Stream vocabJson, string vocabSource, Stream mergesTxt, string mergesSource)
    {
        ArgumentNullException.ThrowIfNull(vocabJson);
        ArgumentNullException.ThrowIfNull(mergesTxt);
        var encoder = ParseVocabJson(ReadAll(vocabJson, vocabSource), vocabSource);
        var tokens = new string[encoder.Count];
        foreach (var (token, id) in encoder)
        {
            if (id < 0 || id >= tokens.Length)
            {
                throw new InvalidDataException(
                    $"vocab.json '{vocabSource}': id {id} of token '{token}' is outside 0..{tokens.Length - 1}; ids must be 0..N-1 without gaps.");
            }

            if (tokens[id] is not null)
            {
                throw new InvalidDataException($"vocab.json '{vocabSource}': id {id} is used by both '{tokens[id]}' and '{token}'.");
            }

            tokens[id] = token;
        }

        string[] lines = DecodeUtf8(ReadAll(mergesTxt, mergesSource), mergesSource).Trim().Split('\n');
        if (!lines[0].StartsWith('#'))
        {
            throw new InvalidDataException(
                $"merges.txt '{mergesSource}': the first line must be the '#version: ...' header, found '{Abbreviate(lines[0])}'.");
        }

        var vocabulary = new ClipVocabulary(tokens, encoder, ParseMerges(lines, firstLine: 1, mergesSource));
        vocabulary.Validate(vocabSource, mergesSource);
        return vocabulary;
    }

    private static List<(string, string)> ParseMerges(string[] lines, int firstLine, string source)
    {
        int last = Math.Min(lines.Length, firstLine + MergeCount);
        // A final empty line is the newline that ends the file.
        if (last == lines.Length && lines[^1].Length == 0)
        {
            last--;
        }

        var merges = new List<(string, string)>(last - firstLine);
        for (int i = firstLine; i < last; i++)
        {
            string[] parts = SplitPythonWhitespace(lines[i]);
            if (parts.Length != 2)
            {
                throw new InvalidDataException(
                    $"merges file '{source}', line {i + 1}: expected two symbols separated by a space, found '{Abbreviate(lines[i])}'.");
            }

            merges.Add((parts[0], parts[1]));
        }

        return merges;
    }

    private static string[] SplitPythonWhitespace(string line)
    {
        var parts = new List<string>(2);
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && PythonText.IsSpace(line[i]))
            {
                i++;
            }

            int start = i;
            while (i < line.Length && !PythonText.IsSpace(line[i]))
            {
                i++;
            }

            if (i > start)
            {
                parts.Add(line[start..i]);
            }
        }

        return [.. parts];
    }

    private static Dictionary<string, int> ParseVocabJson(byte[] json, string source)
    {
        var encoder = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"vocab.json '{source}' must be a JSON object of token → id, found {doc.RootElement.ValueKind}.");
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id))
                {
                    throw new InvalidDataException($"vocab.json '{source}': the id of token '{property.Name}' is not an integer.");
                }

                if (!encoder.TryAdd(property.Name, id))
                {
                    throw new InvalidDataException($"vocab.json '{source}': token '{property.Name}' appears twice.");
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"vocab.json '{source}' is not valid JSON: {e.Message}", e);
        }

        if (encoder.Count == 0)
        {
            throw new InvalidDataException($"vocab.json '{source}' is empty.");
        }

        return encoder;
    }

    /// <summary>Checks what encoding and decoding rely on, so that a bad file fails here and not on some later text.</summary>
    private void Validate(string vocabSource, string mergesSource)
    {
        foreach (string special in (string[])[StartOfText, EndOfText])
        {
            if (!Encoder.ContainsKey(special))
            {
                throw new InvalidDataException($"CLIP vocabulary '{vocabSource}' has no '{special}' token.");
            }
        }

        foreach (char c in ByteLevelAlphabet.VocabularyOrder)
        {
            foreach (string symbol in (string[])[c.ToString(), c + EndOfWord])
            {
                if (!Encoder.ContainsKey(symbol))
                {
                    throw new InvalidDataException(
                        $"CLIP vocabulary '{vocabSource}' lacks the byte symbol '{symbol}' (U+{(int)c:X4}); every byte must be encodable.");
                }
            }
        }

        for (int rank = 0; rank < Merges.Count; rank++)
        {
            var (first, second) = Merges[rank];
            foreach (string piece in (string[])[first, second, first + second])
            {
                if (!Encoder.ContainsKey(piece))
                {
                    throw new InvalidDataException(
                        $"vocab/merges mismatch: merge '{first} {second}' (line {rank + 2} of '{mergesSource}') needs '{piece}', which is not in the vocabulary '{vocabSource}'.");
                }
            }
        }

        for (int id = 0; id < Tokens.Length; id++)
        {
            if (Tokens[id] is StartOfText or EndOfText)
            {
                continue;
            }

            foreach (char c in Tokens[id])
            {
                if (!ByteLevelAlphabet.TryGetByte(c, out _))
                {
                    throw new InvalidDataException(
                        $"CLIP vocabulary '{vocabSource}': token '{Tokens[id]}' (id {id}) has U+{(int)c:X4}, which is not a byte-level symbol.");
                }
            }
        }
    }

    private static byte[] ReadAll(Stream stream, string source)
    {
        try
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (IOException e)
        {
            throw new IOException($"cannot read CLIP vocabulary '{source}': {e.Message}", e);
        }
    }

    private static string DecodeUtf8(byte[] raw, string source)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"CLIP vocabulary file '{source}' is not UTF-8 text: {e.Message}", e);
        }
    }

    internal static string Abbreviate(string text, int max = 60) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}

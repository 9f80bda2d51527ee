using System.Buffers;
using System.Text;
using ClipSharp.Text.Cleaning;
using Microsoft.ML.Tokenizers;

namespace ClipSharp.Text;

/// <summary>
/// The CLIP BPE tokenizer, an exact port of the reference <c>SimpleTokenizer</c> and <c>clip.tokenize</c>:
/// clean (ftfy, html.unescape twice, whitespace, lower case), split with the reference pattern, map UTF-8 bytes to
/// the byte-level alphabet, BPE each word with '&lt;/w&gt;' on its last symbol. Also a Microsoft.ML.Tokenizers
/// <see cref="Tokenizer"/>, so <c>EncodeToIds</c>, <c>EncodeToTokens</c>, <c>CountTokens</c> and <c>Decode</c> work
/// through the base type (the ids are those of <see cref="Encode"/>, without start and end tokens).
/// </summary>
public sealed class ClipTokenizer : Tokenizer
{
    public const int DefaultContextLength = 77;

    private readonly ClipVocabulary _vocabulary;
    private readonly ClipBpe _bpe;
    private readonly ClipTextCleaner _cleaner;
    private readonly ClipTextNormalizer _normalizer;

    private ClipTokenizer(ClipVocabulary vocabulary, ClipTokenizerOptions? options)
    {
        Options = options ?? new ClipTokenizerOptions();
        _vocabulary = vocabulary;
        _bpe = new ClipBpe(vocabulary);
        _cleaner = new ClipTextCleaner(Options.FixText);
        _normalizer = new ClipTextNormalizer(_cleaner);
        StartOfTextId = vocabulary.StartOfTextId;
        EndOfTextId = vocabulary.EndOfTextId;
    }

    /// <summary>From the OpenAI merges file (<c>bpe_simple_vocab_16e6.txt.gz</c>, gzip or plain text).</summary>
    public static ClipTokenizer Create(string openAiMergesPath, ClipTokenizerOptions? options = null)
    {
        using var stream = OpenFile(openAiMergesPath, "CLIP merges file");
        return new ClipTokenizer(ClipVocabulary.FromOpenAi(stream, openAiMergesPath), options);
    }

    /// <summary>From the OpenAI merges file as a stream, gzip (detected by its magic bytes) or plain text.</summary>
    public static ClipTokenizer Create(Stream openAiMerges, ClipTokenizerOptions? options = null) =>
        new(ClipVocabulary.FromOpenAi(openAiMerges, "<stream>"), options);

    /// <summary>From a Hugging Face <c>vocab.json</c> and <c>merges.txt</c> pair.</summary>
    public static ClipTokenizer CreateFromHuggingFace(string vocabJsonPath, string mergesTxtPath, ClipTokenizerOptions? options = null)
    {
        using var vocab = OpenFile(vocabJsonPath, "vocab.json");
        using var merges = OpenFile(mergesTxtPath, "merges.txt");
        return new ClipTokenizer(ClipVocabulary.FromHuggingFace(vocab, vocabJsonPath, merges, mergesTxtPath), options);
    }

    public static ClipTokenizer CreateFromHuggingFace(Stream vocabJson, Stream mergesTxt, ClipTokenizerOptions? options = null) =>
        new(ClipVocabulary.FromHuggingFace(vocabJson, "<vocab.json stream>", mergesTxt, "<merges.txt stream>"), options);

    public ClipTokenizerOptions Options { get; }

    public int VocabularySize => _vocabulary.Tokens.Length;

    /// <summary>The id of <c>&lt;|startoftext|&gt;</c> (49406 in the OpenAI vocabulary).</summary>
    public int StartOfTextId { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> (49407 in the OpenAI vocabulary).</summary>
    public int EndOfTextId { get; }

    public override Normalizer? Normalizer => _normalizer;

    public override PreTokenizer? PreTokenizer => ClipPreTokenizer.Instance;

    /// <summary>The reference cleaning: <c>whitespace_clean(basic_clean(text)).lower()</c>.</summary>
    public string Clean(string text) => _cleaner.Clean(text);

    /// <summary>The reference <c>SimpleTokenizer.encode</c>: BPE ids without start and end tokens, never truncated.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        EncodeCore(_cleaner.Clean(text), preTokenize: true, int.MaxValue, ids, tokens: null);
        return [.. ids];
    }

    /// <summary>
    /// The reference <c>clip.tokenize</c> for one text: [SOT, ids..., EOT, 0...] of length <paramref name="contextLength"/>.
    /// A text that is too long keeps its first <paramref name="contextLength"/> tokens with EOT in the last slot, or
    /// throws when <paramref name="truncate"/> is false.
    /// </summary>
    public int[] Tokenize(string text, int contextLength = DefaultContextLength, bool truncate = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        var row = new int[contextLength];
        TokenizeInto(text, row, truncate);
        return row;
    }

    /// <summary><see cref="Tokenize"/> of every text, row-major: [texts.Count, contextLength].</summary>
    public int[] TokenizeBatch(IReadOnlyList<string> texts, int contextLength = DefaultContextLength, bool truncate = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        var result = new int[checked(texts.Count * contextLength)];
        for (int i = 0; i < texts.Count; i++)
        {
            TokenizeInto(texts[i], result.AsSpan(i * contextLength, contextLength), truncate);
        }

        return result;
    }

    private void TokenizeInto(string text, Span<int> row, bool truncate)
    {
        int[] ids = Encode(text);
        int total = ids.Length + 2;
        if (total > row.Length && !truncate)
        {
            throw new ArgumentException(
                $"Input \"{ClipVocabulary.Abbreviate(text)}\" ({text.Length} characters) is too long for context length {row.Length}: "
                + $"it has {total} tokens with the start and end tokens.",
                nameof(text));
        }

        // row: [SOT, ids..., EOT, 0...]; when too long, the first row.Length of those with EOT overwriting the last slot.
        row.Clear();
        row[0] = StartOfTextId;
        int n = Math.Min(ids.Length, row.Length - 1);
        ids.AsSpan(0, n).CopyTo(row[1..]);
        row[Math.Min(1 + n, row.Length - 1)] = EndOfTextId;
    }

    /// <summary>
    /// The reference <c>SimpleTokenizer.decode</c>: the tokens' bytes decoded as UTF-8 with U+FFFD for invalid
    /// sequences, then every '&lt;/w&gt;' replaced by a space. Start and end tokens decode to their text.
    /// </summary>
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_vocabulary.Tokens.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary 0..{_vocabulary.Tokens.Length - 1}.");
            }

            foreach (char c in _vocabulary.Tokens[id])
            {
                ByteLevelAlphabet.TryGetByte(c, out byte b);
                bytes.Add(b);
            }
        }

        string text = new UTF8Encoding(false, throwOnInvalidBytes: false).GetString([.. bytes]);
        return text.Replace(ClipVocabulary.EndOfWord, " ", StringComparison.Ordinal);
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int[] all = [.. ids];
        string text = Decode(all);
        int consumed = all.Length;
        // The longest prefix of ids whose decoding fits.
        if (text.Length > destination.Length)
        {
            text = string.Empty;
            consumed = 0;
            for (int k = 1; k < all.Length; k++)
            {
                string prefix = Decode(all.AsSpan(0, k).ToArray());
                if (prefix.Length > destination.Length)
                {
                    break;
                }

                text = prefix;
                consumed = k;
            }
        }

        text.CopyTo(destination);
        idsConsumed = consumed;
        charsWritten = text.Length;
        return consumed == all.Length ? OperationStatus.Done : OperationStatus.DestinationTooSmall;
    }

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string normalized = Prepare(text, textSpan, settings);
        var tokens = new List<EncodedToken>();
        int consumed = EncodeCore(normalized, settings.ConsiderPreTokenization, settings.MaxTokenCount, ids: null, tokens);
        return new EncodeResults<EncodedToken>
        {
            Tokens = tokens,
            NormalizedText = settings.ConsiderNormalization ? normalized : null,
            CharsConsumed = consumed,
        };
    }

    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string normalized = Prepare(text, textSpan, settings);
        var ids = new List<int>();
        int consumed = EncodeCore(normalized, settings.ConsiderPreTokenization, settings.MaxTokenCount, ids, tokens: null);
        return new EncodeResults<int>
        {
            Tokens = ids,
            NormalizedText = settings.ConsiderNormalization ? normalized : null,
            CharsConsumed = consumed,
        };
    }

    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        EncodeToIds(text, textSpan, settings).Tokens.Count;

    private string Prepare(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxTokenCount, 1);
        string input = text ?? textSpan.ToString();
        return settings.ConsiderNormalization ? _cleaner.Clean(input) : input;
    }

    /// <summary>Encodes cleaned text; returns the number of characters of it that the emitted tokens cover.</summary>
    private int EncodeCore(string cleaned, bool preTokenize, int maxTokens, List<int>? ids, List<EncodedToken>? tokens)
    {
        IEnumerable<(int Offset, int Length)> pieces = preTokenize
            ? ClipPreTokenizer.Split(cleaned)
            : cleaned.Length > 0 ? [(0, cleaned.Length)] : [];
        int count = 0, end = 0;
        foreach (var (offset, length) in pieces)
        {
            string piece = cleaned.Substring(offset, length);
            int[] wordIds = piece is ClipVocabulary.StartOfText or ClipVocabulary.EndOfText
                ? [_vocabulary.Encoder[piece]]
                : _bpe.EncodeWord(ToByteLevel(piece, cleaned, offset));
            if (count + wordIds.Length <= maxTokens)
            {
                ids?.AddRange(wordIds);
                tokens?.AddRange(WordTokens(piece, offset, wordIds));
                count += wordIds.Length;
                end = offset + length;
                continue;
            }

            // Only part of this word fits: emit its first tokens and report how far they reach.
            var partial = WordTokens(piece, offset, wordIds).Take(maxTokens - count).ToList();
            ids?.AddRange(partial.Select(t => t.Id));
            tokens?.AddRange(partial);
            return partial.Count > 0 ? partial[^1].Offset.End.Value : end;
        }

        return cleaned.Length;
    }

    internal static string ToByteLevel(string piece, string text, int offset)
    {
        for (int i = 0; i < piece.Length; i++)
        {
            if (char.IsSurrogate(piece[i]) && !(char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[++i])))
            {
                throw new ArgumentException(
                    $"text \"{ClipVocabulary.Abbreviate(text)}\" has an unpaired surrogate at index {offset + i}, which cannot be encoded as UTF-8 "
                    + "(the text fixer replaces it by U+FFFD when enabled).",
                    nameof(text));
            }
        }

        var chars = new StringBuilder(piece.Length * 2);
        foreach (byte b in Encoding.UTF8.GetBytes(piece))
        {
            chars.Append(ByteLevelAlphabet.ByteToChar[b]);
        }

        return chars.ToString();
    }

    /// <summary>The tokens of one word, each with the character range (in the cleaned text) of the bytes it covers.</summary>
    private IEnumerable<EncodedToken> WordTokens(string piece, int offset, int[] wordIds)
    {
        // starts[b] / ends[b]: the character range (in the piece) of the code point that holds UTF-8 byte b.
        int[] starts = new int[Encoding.UTF8.GetByteCount(piece) + 1];
        int[] ends = new int[starts.Length];
        int pos = 0;
        for (int i = 0; i < piece.Length;)
        {
            var rune = Rune.GetRuneAt(piece, i);
            for (int k = 0; k < rune.Utf8SequenceLength; k++)
            {
                starts[pos + k] = i;
                ends[pos + k] = i + rune.Utf16SequenceLength;
            }

            pos += rune.Utf8SequenceLength;
            i += rune.Utf16SequenceLength;
        }

        bool special = wordIds.Length == 1 && piece is ClipVocabulary.StartOfText or ClipVocabulary.EndOfText;
        int bytePos = 0;
        for (int t = 0; t < wordIds.Length; t++)
        {
            string value = _vocabulary.Tokens[wordIds[t]];
            int byteLength = special ? pos : value.Length - (t == wordIds.Length - 1 ? ClipVocabulary.EndOfWord.Length : 0);
            int startChar = starts[bytePos];
            int endChar = ends[Math.Max(bytePos, bytePos + byteLength - 1)];
            yield return new EncodedToken(wordIds[t], value, new Range(offset + startChar, offset + endChar));
            bytePos += byteLength;
        }
    }

    /// <summary>Itself: a <see cref="ClipTokenizer"/> is a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>.</summary>
    public Tokenizer AsTokenizer() => this;

    private static FileStream OpenFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{what} '{path}' does not exist.", path);
        }

        return File.OpenRead(path);
    }
}

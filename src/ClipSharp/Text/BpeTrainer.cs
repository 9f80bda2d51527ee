using System.IO.Compression;
using System.Text;
using ClipSharp.Text.Cleaning;

namespace ClipSharp.Text;

/// <summary>
/// Learns a CLIP-style BPE vocabulary from text: the texts are cleaned and split exactly as
/// <see cref="ClipTokenizer"/> does, each word becomes byte-level symbols with '&lt;/w&gt;' on the last one, and the
/// most frequent adjacent pair is merged until the requested number of merges is reached. The result is an
/// OpenAI-format merges file, so the tokenizer reads it like <c>bpe_simple_vocab_16e6.txt.gz</c>: ids are the
/// 256 byte symbols, the same with '&lt;/w&gt;', the merges in order, then start and end of text.
/// </summary>
public static class BpeTrainer
{
    public const string VersionHeader = "#version: clipsharp-bpe 1";

    /// <summary>Learns up to <paramref name="mergeCount"/> merges (fewer when every word is already a single symbol).</summary>
    /// <remarks>Deterministic: ties in frequency go to the ordinally smallest pair.</remarks>
    public static IReadOnlyList<(string First, string Second)> Train(IEnumerable<string> texts, int mergeCount, ClipTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount);
        if (mergeCount > ClipVocabulary.MergeCount)
        {
            throw new ArgumentOutOfRangeException(nameof(mergeCount), mergeCount, $"at most {ClipVocabulary.MergeCount} merges fit a CLIP vocabulary.");
        }

        List<Word> words = CountWords(texts, new ClipTextCleaner((options ?? new ClipTokenizerOptions()).FixText));
        var pairs = new PairStatistics(words);
        var merges = new List<(string, string)>(mergeCount);
        while (merges.Count < mergeCount && pairs.TryTakeBest(out (string First, string Second) best))
        {
            merges.Add(best);
            foreach (int w in pairs.WordsWith(best))
            {
                pairs.Remove(words[w], w);
                words[w].Merge(best);
                pairs.Add(words[w], w);
            }
        }

        return merges;
    }

    /// <summary>Writes merges in the OpenAI format: a version line, then one "first second" pair a line; gzip when the name ends in .gz.</summary>
    public static void WriteMergesFile(string path, IReadOnlyList<(string First, string Second)> merges, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(merges);
        var text = new StringBuilder(VersionHeader).Append('\n');
        foreach (var (first, second) in merges)
        {
            text.Append(first).Append(' ').Append(second).Append('\n');
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        IO.AtomicFile.Write(
            path,
            stream =>
            {
                if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    // Fixed header fields (no name, no timestamp) keep the file byte-identical across runs.
                    using var gzip = new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true);
                    gzip.Write(bytes);
                }
                else
                {
                    stream.Write(bytes);
                }
            },
            overwrite);
    }

    private static List<Word> CountWords(IEnumerable<string> texts, ClipTextCleaner cleaner)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            string cleaned = cleaner.Clean(text);
            foreach (var (offset, length) in ClipPreTokenizer.Split(cleaned))
            {
                string piece = cleaned.Substring(offset, length);
                if (piece is ClipVocabulary.StartOfText or ClipVocabulary.EndOfText)
                {
                    continue;
                }

                string byteLevel = ClipTokenizer.ToByteLevel(piece, cleaned, offset);
                counts[byteLevel] = counts.GetValueOrDefault(byteLevel) + 1;
            }
        }

        return [.. counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new Word(kv.Key, kv.Value))];
    }

    /// <summary>A distinct word of the corpus as its current symbols, with its frequency.</summary>
    private sealed class Word
    {
        public Word(string byteLevel, long count)
        {
            Symbols = [.. byteLevel.Select(c => c.ToString())];
            Symbols[^1] += ClipVocabulary.EndOfWord;
            Count = count;
        }

        public List<string> Symbols { get; }

        public long Count { get; }

        public void Merge((string First, string Second) pair)
        {
            for (int i = 0; i < Symbols.Count - 1; i++)
            {
                if (Symbols[i] == pair.First && Symbols[i + 1] == pair.Second)
                {
                    Symbols[i] = pair.First + pair.Second;
                    Symbols.RemoveAt(i + 1);
                }
            }
        }
    }

    /// <summary>Pair frequencies over all words, kept up to date incrementally as words are merged.</summary>
    private sealed class PairStatistics
    {
        private readonly Dictionary<(string, string), long> _counts = [];
        private readonly Dictionary<(string, string), HashSet<int>> _words = [];

        public PairStatistics(List<Word> words)
        {
            for (int w = 0; w < words.Count; w++)
            {
                Add(words[w], w);
            }
        }

        public IReadOnlyList<int> WordsWith((string, string) pair)
            => _words.TryGetValue(pair, out HashSet<int>? set) ? [.. set.Order()] : [];

        public void Add(Word word, int index) => Update(word, index, +1);

        public void Remove(Word word, int index) => Update(word, index, -1);

        public bool TryTakeBest(out (string First, string Second) best)
        {
            best = default;
            long bestCount = 0;
            foreach (var (pair, count) in _counts)
            {
                if (count > bestCount || (count == bestCount && Compare(pair, best) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }

            return bestCount > 0;
        }

        private static int Compare((string First, string Second) a, (string First, string Second) b)
        {
            int c = string.CompareOrdinal(a.First, b.First);
            return c != 0 ? c : string.CompareOrdinal(a.Second, b.Second);
        }

        private void Update(Word word, int index, int sign)
        {
            for (int i = 0; i < word.Symbols.Count - 1; i++)
            {
                var pair = (word.Symbols[i], word.Symbols[i + 1]);
                long count = _counts.GetValueOrDefault(pair) + (sign * word.Count);
                if (count == 0)
                {
                    _counts.Remove(pair);
                    _words.Remove(pair);
                    continue;
                }

                _counts[pair] = count;
                if (sign > 0)
                {
                    if (!_words.TryGetValue(pair, out HashSet<int>? set))
                    {
                        _words[pair] = set = [];
                    }

                    set.Add(index);
                }
            }
        }
    }
}

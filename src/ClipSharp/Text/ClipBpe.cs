using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace ClipSharp.Text;

/// <summary>
/// BPE of one pre-tokenized word: '&lt;/w&gt;' on its last symbol, then merges by lowest rank. The merging itself is
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> (EndOfWordSuffix "&lt;/w&gt;", no normalizer or
/// pre-tokenizer): fed the byte-level words of our own pre-tokenizer it reproduces the reference ids on all golden
/// cases. Its own pipeline cannot be used end to end (it has no byte-level alphabet with an end-of-word suffix, no
/// double html.unescape, no Python lower(), and .NET Regex classes differ from the Python regex module), so the
/// cleaning, splitting and byte mapping are ours.
/// </summary>
internal sealed class ClipBpe
{
    // The reference cache is unbounded; a bound keeps a long-running process from growing without limit.
    private const int CacheCapacity = 1 << 17;

    // Above this many symbols the library's merger turns quadratic (see LongWordBpe); below, it is the faster.
    internal const int LongWord = 256;

    private readonly BpeTokenizer _bpe;
    private readonly LongWordBpe _longWords;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public ClipBpe(ClipVocabulary vocabulary)
    {
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary.Encoder)
        {
            Merges = vocabulary.Merges.Select(m => m.First + " " + m.Second),
            EndOfWordSuffix = ClipVocabulary.EndOfWord,
        });
        _longWords = new LongWordBpe(vocabulary);
    }

    /// <summary>Ids of one word given in byte-level characters. Thread-safe.</summary>
    public int[] EncodeWord(string byteLevelWord)
    {
        if (byteLevelWord.Length > LongWord)
        {
            // Not cached: such words are rare, and one could hold megabytes of the cache.
            return _longWords.EncodeWord(byteLevelWord);
        }

        if (_cache.TryGetValue(byteLevelWord, out int[]? ids))
        {
            return ids;
        }

        ids = [.. _bpe.EncodeToIds(byteLevelWord, considerPreTokenization: false, considerNormalization: false)];
        if (_cache.Count >= CacheCapacity)
        {
            _cache.Clear();
        }

        _cache.TryAdd(byteLevelWord, ids);
        return ids;
    }
}

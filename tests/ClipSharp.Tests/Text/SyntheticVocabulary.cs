using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

/// <summary>
/// A four-merge CLIP vocabulary built in memory (no third-party data): ids 0..511 are the byte symbols, then
/// 512 "he", 513 "ll", 514 "hell", 515 "hello&lt;/w&gt;", 516 &lt;|startoftext|&gt;, 517 &lt;|endoftext|&gt;.
/// </summary>
internal static class SyntheticVocabulary
{
    public const string Merges = "\"bpe_simple_vocab_16e6.txt#version: 0.2\nh e\nl l\nhe ll\nhell o</w>\n";
    public const int Hello = 515, StartOfText = 516, EndOfText = 517;

    public static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    public static ClipTokenizer OpenAi() => ClipTokenizer.Create(new MemoryStream(Gzip(Merges)));

    /// <summary>The same vocabulary as a Hugging Face vocab.json (token → id).</summary>
    public static Dictionary<string, int> HfVocab()
    {
        var vocab = new Dictionary<string, int>();
        foreach (char c in ByteLevelAlphabet.VocabularyOrder)
        {
            vocab[c.ToString()] = vocab.Count;
        }

        foreach (char c in ByteLevelAlphabet.VocabularyOrder)
        {
            vocab[c + "</w>"] = vocab.Count;
        }

        foreach (string t in (string[])["he", "ll", "hell", "hello</w>", "<|startoftext|>", "<|endoftext|>"])
        {
            vocab[t] = vocab.Count;
        }

        return vocab;
    }

    public const string HfMerges = "#version: 0.2\nh e\nl l\nhe ll\nhell o</w>\n";

    public static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    public static MemoryStream Json(Dictionary<string, int> vocab) => Utf8(JsonSerializer.Serialize(vocab));

    /// <summary>The id of the byte symbol of <paramref name="b"/> (without &lt;/w&gt;).</summary>
    public static int ByteId(byte b) => Array.IndexOf(ByteLevelAlphabet.VocabularyOrder, ByteLevelAlphabet.ByteToChar[b]);
}

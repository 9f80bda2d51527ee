using System.Runtime.InteropServices;
using System.Text;
using ClipSharp.Testing;
using ClipSharp.Testing.Fuzzing;
using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

/// <summary>
/// Mutated golden texts (as UTF-16, so flips and cuts make lone surrogates; and as UTF-8 decoded leniently), random
/// code units and megabyte strings, through every way in: <c>Encode</c>, <c>Tokenize</c>, a decode round trip and the
/// base type's bounded <c>EncodeToIds</c>. With the text fixer nothing may throw; without it only an unpaired
/// surrogate may, as the documented <see cref="ArgumentException"/> naming the text. Each case has a time limit and
/// allocates no more than a bounded amount per character.
/// </summary>
public sealed class FuzzClipTokenizerTests(ITestOutputHelper output)
{
    // Cleaning (fixer, two html unescapes, whitespace, lower case), splitting and the byte-level words: a few
    // copies of the text in each stage, and the BPE's symbols.
    private const long AllocationPerChar = 1024;
    private const long AllocationSlack = 4 << 20;

    private static readonly string[] s_tokens =
    [
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uD83D\uDE00", "\u0301", "\u200D", "\uFEFF", "\uFFFE", "\uFFFF", "\uFFFD", "\0", "\u0085",
        "\u2028", "\r\n", "\t", " ", "&amp;", "&amp;amp;", "&#x10FFFF;", "&#xD800;", "&#99999999999;", "&#0;", "&lt;|endoftext|&gt;",
        "<|startoftext|>", "<|endoftext|>", "'s", "'LL", "\u0130", "\u1E9E", "\u017F", "\u0345", "Ã©", "â€™", "\uFB01", "\uFF21",
        "\U0001D518\U0001D52B", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\u0645\u0631\u062D\u0628\u0627", "\u0928\u092E\u0938\u094D\u0924\u0947", "\u6F22\u5B57", "\u0009\u000B\u000C",
    ];

    public enum Vocabulary
    {
        Tiny,
        OpenAi,
    }

    [Theory]
    [InlineData(Vocabulary.Tiny, true, 3000)]
    [InlineData(Vocabulary.Tiny, false, 1500)]
    [InlineData(Vocabulary.OpenAi, true, 3000)]
    [InlineData(Vocabulary.OpenAi, false, 1500)]
    public void MutatedTextsTokenizeOrRaiseTheSurrogateError(Vocabulary vocabulary, bool fixText, int cases)
    {
        ClipTokenizer tokenizer = Tokenizer(vocabulary, fixText);
        byte[][] utf16 = [.. ClipTokenizers.Cases.Select(c => Encoding.Unicode.GetBytes(c.Text)).Where(b => b.Length > 0)];
        byte[][] utf8 = [.. ClipTokenizers.Cases.Select(c => Encoding.UTF8.GetBytes(c.Text)).Where(b => b.Length > 0)];
        var mutator = new Mutator(6300 + cases + (fixText ? 1 : 0), tokens: s_tokens.Select(Encoding.Unicode.GetBytes));
        var run = new FuzzRun($"tokenizer ({vocabulary}, fixer {(fixText ? "on" : "off")})", output, fixText ? [] : [typeof(ArgumentException)]);
        for (int i = 0; i < cases; i++)
        {
            // Two cases in three as UTF-16 code units, kept as they are (lone surrogates included); one as UTF-8.
            bool asUtf16 = i % 3 != 2;
            (MutationKind kind, byte[] bytes) = mutator.Next(asUtf16 ? utf16 : utf8, i, maxRandomLength: 512);
            string text = asUtf16 ? new string(MemoryMarshal.Cast<byte, char>(bytes.AsSpan(0, bytes.Length & ~1))) : Encoding.UTF8.GetString(bytes);
            RunCase(run, tokenizer, $"case {i}", text, kind.ToString());
        }

        run.Finish();
    }

    [Theory]
    [InlineData(Vocabulary.Tiny)]
    [InlineData(Vocabulary.OpenAi)]
    public void MegabyteStringsTokenizeWithinTheLimits(Vocabulary vocabulary)
    {
        ClipTokenizer tokenizer = Tokenizer(vocabulary, fixText: true);
        // A limit that catches a hang (a quadratic pass takes hours here), not one that a busy machine trips.
        var run = new FuzzRun($"tokenizer megabyte strings ({vocabulary})", output) { CaseTimeout = TimeSpan.FromSeconds(180) };
        const int n = 1 << 20;
        var random = new Random(6400);
        // A quarter of the others: a million random code units ran past the limit on a loaded two-core machine.
        string randomUnits = new([.. Enumerable.Range(0, n / 4).Select(_ => (char)random.Next(0x10000))]);
        string[] texts =
        [
            new('a', n), // one word of a million letters
            new('!', n), // one run of punctuation
            string.Concat(Enumerable.Repeat("a photo of a cat ", n / 17)),
            string.Concat(Enumerable.Repeat("\U0001F600", n / 2)),
            new('\uD800', n),
            string.Concat(Enumerable.Repeat("&amp;", n / 5)),
            new('7', n),
            new(' ', n),
            randomUnits,
        ];
        for (int i = 0; i < texts.Length; i++)
        {
            string text = texts[i];
            run.Case($"megabyte {i}", text, AllocationSlack + (AllocationPerChar * text.Length), () => Assert.Equal(tokenizer.StartOfTextId, tokenizer.Tokenize(text)[0]), "megabyte");
        }

        run.Finish();
    }

    private static void RunCase(FuzzRun run, ClipTokenizer tokenizer, string name, string text, string label)
    {
        // The surrogate error names the text as the tokenizer saw it: cleaned (unescaped, lower case), abbreviated.
        string named = tokenizer.Options.FixText ? text : ClipVocabulary.Abbreviate(tokenizer.Clean(text));
        run.Case(name, named, AllocationSlack + (AllocationPerChar * text.Length), () =>
        {
            int[] ids = tokenizer.Encode(text);
            int[] row = tokenizer.Tokenize(text);
            Assert.Equal(tokenizer.StartOfTextId, row[0]);
            Assert.Contains(tokenizer.EndOfTextId, row);
            tokenizer.Decode(ids);
            IReadOnlyList<int> some = tokenizer.EncodeToIds(text, maxTokenCount: 5, out _, out int consumed);
            Assert.Equal(ids.Take(5), some);
            Assert.InRange(consumed, 0, tokenizer.Clean(text).Length);
        }, label, MemoryMarshal.AsBytes(text.AsSpan()).ToArray());
    }

    private static ClipTokenizer Tokenizer(Vocabulary vocabulary, bool fixText) => vocabulary == Vocabulary.OpenAi
        ? ClipTokenizers.Get(ClipTokenizers.Source.OpenAi, fixText)
        : ClipTokenizer.Create(Fixtures.TinyVocab, new ClipTokenizerOptions { FixText = fixText });
}

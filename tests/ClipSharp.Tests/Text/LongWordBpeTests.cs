using ClipSharp.Testing;
using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

public sealed class LongWordBpeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MergesLikeTheLibraryMerger(bool openAi)
    {
        string merges = openAi ? Fixtures.RequireVocab(Fixtures.OpenAiMerges) : Fixtures.TinyVocab;
        ClipVocabulary vocabulary;
        using (FileStream file = File.OpenRead(merges))
        {
            vocabulary = ClipVocabulary.FromOpenAi(file, merges);
        }

        var library = new ClipBpe(vocabulary);
        var longWords = new LongWordBpe(vocabulary);
        ClipTokenizer tokenizer = ClipTokenizer.Create(merges);
        var words = new List<string>();
        foreach (ClipTokenizers.GoldenCase c in ClipTokenizers.Cases)
        {
            string cleaned = tokenizer.Clean(c.Text);
            foreach (var (offset, length) in ClipPreTokenizer.Split(cleaned))
            {
                words.Add(ClipTokenizer.ToByteLevel(cleaned.Substring(offset, length), cleaned, offset));
            }
        }

        // Repetitions, where equal ranks compete along the word, and random bytes, up to the library's share of lengths.
        var random = new Random(6700);
        string[] units = ["a", "ha", "lol", "!", "ab", "\u00e9t\u00e9", "cat "];
        for (int i = 0; i < 400; i++)
        {
            string unit = units[random.Next(units.Length)];
            string text = string.Concat(Enumerable.Repeat(unit, random.Next(1, ClipBpe.LongWord / unit.Length)));
            words.Add(ClipTokenizer.ToByteLevel(text, text, 0));
            var bytes = new byte[random.Next(1, ClipBpe.LongWord)];
            random.NextBytes(bytes);
            words.Add(new string([.. bytes.Select(b => ByteLevelAlphabet.ByteToChar[b])]));
        }

        foreach (string word in words.Where(w => w.Length is > 0 and <= ClipBpe.LongWord))
        {
            Assert.True(library.EncodeWord(word).SequenceEqual(longWords.EncodeWord(word)), $"'{word}' merges differently");
        }
    }

    [Fact]
    public void AWordOfAMillionLettersEncodesQuicklyAndDecodesBack()
    {
        var tokenizer = ClipTokenizer.Create(Fixtures.TinyVocab);
        // Found by the fuzzer: the library's merger took minutes on such a word.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int[] ids = tokenizer.Encode(new string('a', 1 << 20));
        Assert.NotEmpty(ids);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.Equal(new string('a', 1 << 20), tokenizer.Decode(ids).TrimEnd());
    }
}

using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

public sealed class TokenizeTests
{
    private const int Sot = SyntheticVocabulary.StartOfText, Eot = SyntheticVocabulary.EndOfText, Hello = SyntheticVocabulary.Hello;

    [Fact]
    public void PadsWithZeros()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        int[] row = tokenizer.Tokenize("hello hello");
        Assert.Equal(ClipTokenizer.DefaultContextLength, row.Length);
        Assert.Equal([Sot, Hello, Hello, Eot], row[..4]);
        Assert.All(row[4..], id => Assert.Equal(0, id));
    }

    [Theory]
    [InlineData(1, new[] { Eot })]
    [InlineData(2, new[] { Sot, Eot })]
    [InlineData(3, new[] { Sot, Hello, Eot })]
    [InlineData(5, new[] { Sot, Hello, Hello, Hello, Eot })]
    [InlineData(6, new[] { Sot, Hello, Hello, Hello, Hello, Eot })]
    [InlineData(7, new[] { Sot, Hello, Hello, Hello, Hello, Eot, 0 })]
    [InlineData(10, new[] { Sot, Hello, Hello, Hello, Hello, Eot, 0, 0, 0, 0 })]
    public void TruncationKeepsTheEndTokenLast(int contextLength, int[] expected)
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        Assert.Equal(expected, tokenizer.Tokenize("hello hello hello hello", contextLength, truncate: true));
    }

    [Fact]
    public void TooLongWithoutTruncationNamesTheTextAndItsLength()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        var e = Assert.Throws<ArgumentException>(() => tokenizer.Tokenize("hello hello hello hello", 5, truncate: false));
        Assert.Contains("hello hello hello hello", e.Message, StringComparison.Ordinal);
        Assert.Contains("context length 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("6 tokens", e.Message, StringComparison.Ordinal);
        Assert.Equal([Sot, Hello, Hello, Hello, Hello, Eot], tokenizer.Tokenize("hello hello hello hello", 6, truncate: false));

        string longText = string.Join(' ', Enumerable.Repeat("hello", 100));
        var e2 = Assert.Throws<ArgumentException>(() => tokenizer.Tokenize(longText, truncate: false));
        Assert.Contains("…", e2.Message, StringComparison.Ordinal);
        Assert.Contains($"{longText.Length} characters", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidContextLengthIsRejected()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Tokenize("hello", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.TokenizeBatch(["hello"], -1));
    }

    [Fact]
    public void BatchIsRowMajor()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        int[] batch = tokenizer.TokenizeBatch(["hello", "", "hello hello hello"], contextLength: 4);
        Assert.Equal([Sot, Hello, Eot, 0, Sot, Eot, 0, 0, Sot, Hello, Hello, Eot], batch);
        Assert.Empty(tokenizer.TokenizeBatch([], contextLength: 4));
    }

    [Fact]
    public void SpecialTokensInTextMapToTheirIds()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        Assert.Equal([Sot, Hello, Eot], tokenizer.Encode("<|startoftext|>hello<|ENDOFTEXT|>"));
    }

    [Fact]
    public void UnpairedSurrogateWithoutFixerIsAnError()
    {
        var tokenizer = ClipTokenizer.Create(
            new MemoryStream(SyntheticVocabulary.Gzip(SyntheticVocabulary.Merges)), new ClipTokenizerOptions { FixText = false });
        var e = Assert.Throws<ArgumentException>(() => tokenizer.Encode("ab\ud800"));
        Assert.Contains("index 2", e.Message, StringComparison.Ordinal);
        // With the fixer it becomes U+FFFD, whose three UTF-8 bytes are byte symbols.
        Assert.Equal(3, SyntheticVocabulary.OpenAi().Encode("\ud800").Length);
    }
}

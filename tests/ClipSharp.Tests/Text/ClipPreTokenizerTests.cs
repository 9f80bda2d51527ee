using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

/// <summary>Expected pieces are regex.findall of the reference pattern (Python regex module, IGNORECASE).</summary>
public sealed class ClipPreTokenizerTests
{
    private static string[] Pieces(string text) =>
        [.. ClipPreTokenizer.Split(text).Select(p => text.Substring(p.Offset, p.Length))];

    [Theory]
    [InlineData("don't stop", new[] { "don", "'t", "stop" })]
    [InlineData("we're they've i'm you'll he'd it's", new[] { "we", "'re", "they", "'ve", "i", "'m", "you", "'ll", "he", "'d", "it", "'s" })]
    [InlineData("''s", new[] { "''", "s" })]
    [InlineData("x'\u017f", new[] { "x", "'\u017f" })]
    [InlineData("123 4.5", new[] { "1", "2", "3", "4", ".", "5" })]
    [InlineData("a<|startoftext|>b<|endoftext|>", new[] { "a", "<|startoftext|>", "b", "<|endoftext|>" })]
    [InlineData("!<|endoftext|>", new[] { "!<|", "endoftext", "|>" })]
    [InlineData("<|\u017ftartoftext|>", new[] { "<|\u017ftartoftext|>" })]
    [InlineData("a\u0345b", new[] { "a", "b" })]
    [InlineData("\u0915\u094d\u0937", new[] { "\u0915", "\u094d", "\u0937" })]
    [InlineData("\u0663\u00b2\u2160", new[] { "\u0663", "\u00b2", "\u2160" })]
    [InlineData("\ud83d\ude00\ud83d\ude00 hi!?", new[] { "\ud83d\ude00\ud83d\ude00", "hi", "!?" })]
    [InlineData("\U0001d400\U0001d401", new[] { "\U0001d400\U0001d401" })]
    public void SplitsLikeTheReferencePattern(string text, string[] expected) => Assert.Equal(expected, Pieces(text));

    [Fact]
    public void IsAMicrosoftMlPreTokenizer()
    {
        Microsoft.ML.Tokenizers.PreTokenizer pre = ClipPreTokenizer.Instance;
        Assert.Equal([(0, 3), (3, 2)], pre.PreTokenize("don't").ToArray());
    }
}

using System.Buffers;

namespace ClipSharp.Tests.Text;

public sealed class DecodeTests
{
    /// <summary>Expected strings are Python's bytes.decode('utf-8', errors='replace').</summary>
    [Theory]
    [InlineData(new byte[] { 0xE2, 0x82 }, "\ufffd")]
    [InlineData(new byte[] { 0xE2, 0x82, 0x61 }, "\ufffda")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "\ufffd\ufffd\ufffd")]
    [InlineData(new byte[] { 0xC0, 0x80 }, "\ufffd\ufffd")]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, "\ufffd\ufffd\ufffd\ufffd")]
    [InlineData(new byte[] { 0xFF }, "\ufffd")]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 }, "\ufffd")]
    [InlineData(new byte[] { 0x61, 0x80, 0x62 }, "a\ufffdb")]
    [InlineData(new byte[] { 0xE2, 0x82, 0xAC }, "\u20ac")]
    public void InvalidUtf8IsReplacedLikePython(byte[] bytes, string expected)
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        Assert.Equal(expected, tokenizer.Decode(bytes.Select(SyntheticVocabulary.ByteId)));
    }

    [Fact]
    public void EndOfWordBecomesASpace()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        Assert.Equal("hello hello ", tokenizer.Decode([SyntheticVocabulary.Hello, SyntheticVocabulary.Hello]));
        Assert.Equal("<|startoftext|>hello <|endoftext|>", tokenizer.Decode([516, 515, 517]));
        Assert.Equal(string.Empty, tokenizer.Decode([]));
    }

    [Fact]
    public void UnknownIdIsRejected()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 518]));
        Assert.Contains("518", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
    }

    [Theory]
    [InlineData("a photo of a cat", "a photo of a cat ")]
    [InlineData("  A  Photo\tOF a CAT!!  ", "a photo of a cat !! ")]
    [InlineData("caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude00 \u03a3\u0391\u03a3", "caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude00 \u03c3\u03b1\u03c2 ")]
    [InlineData("don't 3.14", "don 't 3 . 1 4 ")]
    public void RoundTripsThroughTheCleanedText(string text, string expected)
    {
        var tokenizer = ClipTokenizers.Get();
        Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void DecodeIntoASpanStopsAtTheLastWholeFit()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        int[] ids = [SyntheticVocabulary.Hello, SyntheticVocabulary.Hello, SyntheticVocabulary.Hello];
        Span<char> big = stackalloc char[32];
        Assert.Equal(OperationStatus.Done, tokenizer.Decode(ids, big, out int consumed, out int written));
        Assert.Equal(3, consumed);
        Assert.Equal("hello hello hello ", big[..written].ToString());

        Span<char> small = stackalloc char[13];
        Assert.Equal(OperationStatus.DestinationTooSmall, tokenizer.Decode(ids, small, out consumed, out written));
        Assert.Equal(2, consumed);
        Assert.Equal("hello hello ", small[..written].ToString());
    }
}

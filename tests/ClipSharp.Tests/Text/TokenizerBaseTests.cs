using Microsoft.ML.Tokenizers;

namespace ClipSharp.Tests.Text;

/// <summary>The CLIP tokenizer used through the Microsoft.ML.Tokenizers base type.</summary>
public sealed class TokenizerBaseTests
{
    private const string Text = "A photo of a CAT, \ud83d\ude00!";

    [Fact]
    public void EncodeToIdsAndCountTokensMatchEncode()
    {
        var clip = ClipTokenizers.Get();
        Tokenizer tokenizer = clip.AsTokenizer();
        Assert.Same(clip, tokenizer);
        Assert.Equal(clip.Encode(Text), tokenizer.EncodeToIds(Text));
        Assert.Equal(clip.Encode(Text), tokenizer.EncodeToIds(Text.AsSpan()));
        Assert.Equal(clip.Encode(Text).Length, tokenizer.CountTokens(Text));
        foreach (var c in ClipTokenizers.Cases.Take(50))
        {
            Assert.Equal(c.Ids, tokenizer.EncodeToIds(c.Text));
        }
    }

    [Fact]
    public void EncodeToTokensGivesValuesAndOffsetsInTheNormalizedText()
    {
        Tokenizer tokenizer = ClipTokenizers.Get();
        var tokens = tokenizer.EncodeToTokens(Text, out string? normalized);
        Assert.Equal("a photo of a cat, \ud83d\ude00!", normalized);
        Assert.Equal(ClipTokenizers.Get().Encode(Text), tokens.Select(t => t.Id));
        Assert.Equal("a</w>", tokens[0].Value);
        Assert.Equal("photo</w>", tokens[1].Value);
        Assert.Equal("photo", normalized![tokens[1].Offset]);
        Assert.Equal("cat", normalized[tokens[4].Offset]);
        // The emoji's bytes may span several tokens; each covers the whole surrogate pair.
        foreach (var t in tokens.Where(t => t.Offset.Start.Value == 18))
        {
            Assert.Equal(20, t.Offset.End.Value);
        }

        Assert.Equal(normalized.Length, tokens[^1].Offset.End.Value);
    }

    [Fact]
    public void MaxTokenCountStopsEarly()
    {
        Tokenizer tokenizer = ClipTokenizers.Get();
        var ids = tokenizer.EncodeToIds(Text, maxTokenCount: 2, out string? normalized, out int consumed);
        Assert.Equal(ClipTokenizers.Get().Encode(Text)[..2], ids);
        Assert.Equal("a photo", normalized![..consumed]);
    }

    [Fact]
    public void IndexByTokenCountWorksFromBothEnds()
    {
        Tokenizer tokenizer = ClipTokenizers.Get();
        int index = tokenizer.GetIndexByTokenCount("A photo of a CAT", 2, out string? normalized, out int count);
        Assert.Equal(("a photo", 2), (normalized![..index], count));
        index = tokenizer.GetIndexByTokenCountFromEnd("A photo of a CAT", 2, out normalized, out count);
        Assert.Equal(("a cat", 2), (normalized![index..], count));
    }

    [Fact]
    public void WithoutNormalizationTheTextIsTakenAsCleaned()
    {
        Tokenizer tokenizer = ClipTokenizers.Get();
        Assert.Equal(tokenizer.EncodeToIds("a photo"), tokenizer.EncodeToIds("a photo", considerNormalization: false));
        Assert.NotEqual(tokenizer.EncodeToIds("A PHOTO"), tokenizer.EncodeToIds("A PHOTO", considerNormalization: false));
    }

    [Fact]
    public void DecodeAndComponentsAreExposed()
    {
        Tokenizer tokenizer = ClipTokenizers.Get();
        Assert.Equal("a photo of a cat , \ud83d\ude00! ", tokenizer.Decode(tokenizer.EncodeToIds(Text)));
        Assert.Equal("a photo of a &cat", tokenizer.Normalizer!.Normalize("  A  PHOTO of\ta &amp;amp;cat "));
        Assert.Equal([(0, 1), (2, 5)], tokenizer.PreTokenizer!.PreTokenize("a photo").ToArray());
    }
}

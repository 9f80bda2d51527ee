using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

/// <summary>The 300 reference cases, exact, for both vocabulary formats and with the text fixer on and off.</summary>
public sealed class GoldenCasesTests
{
    [Fact]
    public void GoldenFileHas300Cases() => Assert.Equal(300, ClipTokenizers.Cases.Count);

    [Theory]
    [InlineData("openai", true)]
    [InlineData("openai", false)]
    [InlineData("huggingface", true)]
    [InlineData("huggingface", false)]
    public void AllCasesMatchTheReference(string vocabulary, bool fixText)
    {
        var source = vocabulary == "openai" ? ClipTokenizers.Source.OpenAi : ClipTokenizers.Source.HuggingFace;
        var tokenizer = ClipTokenizers.Get(source, fixText);
        var failures = new List<string>();
        foreach (var c in ClipTokenizers.Cases)
        {
            int[] ids = tokenizer.Encode(c.Text);
            if (!ids.SequenceEqual(c.Ids))
            {
                failures.Add($"case {c.Id} ({c.Category}) ids {ClipTokenizers.Show(ids)} != {ClipTokenizers.Show(c.Ids)}");
            }

            int[] tokens = tokenizer.Tokenize(c.Text, ClipTokenizer.DefaultContextLength, truncate: true);
            if (!tokens.SequenceEqual(c.Tokens))
            {
                failures.Add($"case {c.Id} ({c.Category}) tokens {ClipTokenizers.Show(tokens)} != {ClipTokenizers.Show(c.Tokens)}");
            }

            string decoded = tokenizer.Decode(c.Ids);
            if (decoded != c.Decoded)
            {
                failures.Add($"case {c.Id} ({c.Category}) decoded '{decoded}' != '{c.Decoded}'");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void BatchEqualsRowByRow()
    {
        var tokenizer = ClipTokenizers.Get();
        string[] texts = [.. ClipTokenizers.Cases.Select(c => c.Text)];
        int[] batch = tokenizer.TokenizeBatch(texts);
        Assert.Equal(texts.Length * ClipTokenizer.DefaultContextLength, batch.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(ClipTokenizers.Cases[i].Tokens, batch.AsSpan(i * 77, 77).ToArray());
        }
    }

    [Fact]
    public void FtfySensitiveCasesFollowTheFixerSetting()
    {
        var withFixer = ClipTokenizers.Get(fixText: true);
        var withoutFixer = ClipTokenizers.Get(fixText: false);
        Assert.Equal(12, ClipTokenizers.FtfyCases.Count);
        foreach (var c in ClipTokenizers.FtfyCases)
        {
            Assert.True(c.IdsWithFtfy.SequenceEqual(withFixer.Encode(c.Text)),
                $"fixer on, '{c.Text}': {ClipTokenizers.Show(withFixer.Encode(c.Text))} != {ClipTokenizers.Show(c.IdsWithFtfy)}");
            Assert.True(c.IdsWithoutFtfy.SequenceEqual(withoutFixer.Encode(c.Text)),
                $"fixer off, '{c.Text}': {ClipTokenizers.Show(withoutFixer.Encode(c.Text))} != {ClipTokenizers.Show(c.IdsWithoutFtfy)}");
        }
    }

    [Fact]
    public void HuggingFaceAndOpenAiVocabulariesAgree()
    {
        var openAi = ClipTokenizers.Get(ClipTokenizers.Source.OpenAi);
        var hf = ClipTokenizers.Get(ClipTokenizers.Source.HuggingFace);
        Assert.Equal(49408, openAi.VocabularySize);
        Assert.Equal(openAi.VocabularySize, hf.VocabularySize);
        Assert.Equal(49406, openAi.StartOfTextId);
        Assert.Equal(49407, openAi.EndOfTextId);
        Assert.Equal(openAi.StartOfTextId, hf.StartOfTextId);
        Assert.Equal(openAi.EndOfTextId, hf.EndOfTextId);
        int[] all = [.. Enumerable.Range(0, openAi.VocabularySize)];
        for (int id = 0; id < openAi.VocabularySize; id += 97)
        {
            Assert.Equal(openAi.Decode([id]), hf.Decode([id]));
        }

        Assert.Equal(openAi.Decode(all), hf.Decode(all));
    }
}

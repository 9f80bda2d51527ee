using ClipSharp.Testing;
using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

public sealed class BpeTrainerTests
{
    private static string TinyFolder => Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "tiny-bpe");

    [Fact]
    public void MergesTheMostFrequentPairFirstWithOrdinalTieBreaks()
    {
        // "low" ×3, "lower" ×1: ("l","o") occurs 4 times, then ("lo","w</w>") 3 times.
        var merges = BpeTrainer.Train(["low low low lower"], 3);
        Assert.Equal(("l", "o"), merges[0]);
        Assert.Equal(("lo", "w</w>"), merges[1]);
        Assert.Equal(3, merges.Count);

        // Equal counts: the ordinally smallest pair goes first, whatever the input order.
        Assert.Equal([("a", "b</w>"), ("c", "d</w>")], BpeTrainer.Train(["cd ab"], 2));
    }

    [Fact]
    public void StopsWhenEveryWordIsOneSymbol()
    {
        var merges = BpeTrainer.Train(["ab ab"], 10);
        Assert.Equal([("a", "b</w>")], merges);
    }

    [Fact]
    public void ATrainedVocabularyTokenizesItsCorpusIntoWholeWords()
    {
        string[] corpus = ["a photo of a cat", "a photo of a dog", "two cats"];
        var merges = BpeTrainer.Train(corpus, 100);
        string path = Path.Combine(Path.GetTempPath(), $"clipsharp-bpe-{Guid.NewGuid():N}.txt.gz");
        try
        {
            BpeTrainer.WriteMergesFile(path, merges);
            ClipTokenizer tokenizer = ClipTokenizer.Create(path);
            Assert.Equal(512 + merges.Count + 2, tokenizer.VocabularySize);
            Assert.Equal(512 + merges.Count, tokenizer.StartOfTextId);
            int[] ids = tokenizer.Encode("a photo of a cat");
            Assert.Equal(5, ids.Length);
            Assert.Equal("a photo of a cat ", tokenizer.Decode(ids));
            Assert.Throws<IOException>(() => BpeTrainer.WriteMergesFile(path, merges));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheShippedTinyVocabularyIsReproducibleFromItsCaptions()
    {
        var merges = BpeTrainer.Train(File.ReadLines(Path.Combine(TinyFolder, "captions.txt")).Where(l => l.Length > 0), 486);
        string path = Path.Combine(Path.GetTempPath(), $"clipsharp-tiny-{Guid.NewGuid():N}.txt.gz");
        try
        {
            BpeTrainer.WriteMergesFile(path, merges);
            Assert.Equal(File.ReadAllBytes(Path.Combine(TinyFolder, "bpe_tiny_1000.txt.gz")), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheTinyVocabularyFitsTheFixtureModels()
    {
        // The fixture models use vocabulary 1000 with start 998 and end 999: 512 byte symbols + 486 merges + 2.
        ClipTokenizer tokenizer = ClipTokenizer.Create(Path.Combine(TinyFolder, "bpe_tiny_1000.txt.gz"));
        Assert.Equal(1000, tokenizer.VocabularySize);
        Assert.Equal(998, tokenizer.StartOfTextId);
        Assert.Equal(999, tokenizer.EndOfTextId);
    }
}

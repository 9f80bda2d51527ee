using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Pipeline;

/// <summary>Clip.EncodeTexts sorts texts by length and trims each batch; the result must not show it.</summary>
public sealed class LengthAwareEncodeTextsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void BucketedBatchesGiveTheFullContextBitsInInputOrder(int batchSize)
    {
        Clip loaded = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        var clip = new Clip(loaded.Model, loaded.Tokenizer, loaded.ImageTransform, loaded.Name) { TextBatchSize = batchSize };
        string[] captions = File.ReadAllLines(Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "tiny-bpe", "captions.txt"))
            .Where(line => line.Length > 0)
            .Take(40)
            .Append(string.Empty)
            .Append("a")
            .Append(string.Join(' ', Enumerable.Repeat("a photo of a cat", 10)))
            .ToArray();

        Tensor bucketed = clip.EncodeTexts(captions, normalize: false);

        int ctx = clip.Model.Config.ContextLength;
        int e = clip.EmbedDim;
        int[] tokens = clip.Tokenizer.TokenizeBatch(captions, ctx, truncate: true);
        var lengths = new HashSet<int>();
        for (int i = 0; i < captions.Length; i++)
        {
            int[] row = tokens.AsSpan(i * ctx, ctx).ToArray();
            lengths.Add(TextTransformer.EndOfTextIndex(row) + 1);
            Tensor full = clip.Model.EncodeText(row, 1);
            for (int j = 0; j < e; j++)
            {
                Assert.Equal(
                    BitConverter.SingleToInt32Bits(full.Span[j]),
                    BitConverter.SingleToInt32Bits(bucketed.Span[(i * e) + j]));
            }
        }

        // The mix must really hold short, long and truncated texts for the test to mean anything.
        Assert.Contains(2, lengths);
        Assert.Contains(ctx, lengths);
        Assert.True(lengths.Count > 4, $"only {lengths.Count} distinct lengths");
    }

    [Fact]
    public void EncodeTokensGivesTheBitsOfEncodeTexts()
    {
        Clip clip = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        string[] captions = ["a photo of a cat sleeping on a sofa", "a dog", string.Empty, "a close-up photo of a red apple on a wooden table"];
        int[] tokens = clip.Tokenizer.TokenizeBatch(captions, clip.Model.Config.ContextLength, truncate: true);
        Tensor fromTokens = clip.EncodeTokens(tokens, captions.Length, normalize: false);
        Tensor fromTexts = clip.EncodeTexts(captions, normalize: false);
        Assert.Equal(fromTexts.ToArray().Select(BitConverter.SingleToInt32Bits), fromTokens.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Throws<ArgumentException>(() => clip.EncodeTokens(tokens.AsSpan(1), captions.Length));
    }

    [Fact]
    public void NormalizedEmbeddingsAreUnitRows()
    {
        Clip clip = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Tensor t = clip.EncodeTexts(["a photo of a cat", "a dog", string.Empty]);
        for (int i = 0; i < 3; i++)
        {
            float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(t.Span.Slice(i * clip.EmbedDim, clip.EmbedDim)));
            Assert.Equal(1f, norm, 1e-5f);
        }
    }
}

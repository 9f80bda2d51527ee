using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Models;

/// <summary>
/// The text tower run on a prefix of the context must give exactly the full-context embeddings. This holds bit for
/// bit because every kernel computes a row of output with the same operations in the same order whatever the row
/// count (GEMM blocks k identically for any m and merges edge tiles with the same fused update as full tiles;
/// causal attention never visits later keys; layer norm is per row), so the comparison is on raw bits.
/// </summary>
public sealed class TextTransformerLengthAwareTests
{
    // Width 64 and 77 positions as in the released text towers, small enough for a unit test.
    private static readonly ClipConfig s_wideContext = new(32, 32, [1], 64, 16, 77, 1000, 64, 4, 2);

    public static TheoryData<string> GoldenModels => ["vit_tiny", "rn_tiny"];

    [Theory]
    [MemberData(nameof(GoldenModels))]
    public void GoldenTextsGiveIdenticalBitsOnTheirPrefix(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        TextTransformer text = golden.CreateModel().Text;
        int batch = golden.TextBatch;
        int used = TextTransformer.UsedLength(golden.Texts, batch, text.ContextLength);
        Assert.InRange(used, 2, text.ContextLength);

        Tensor full = text.Forward(golden.Texts, batch);
        AssertBitwiseEqual(full.Span, text.ForwardPrefix(golden.Texts, batch, used).Span);
        AssertEachRowAloneMatches(text, golden.Texts, batch, full);
    }

    [Fact]
    public void RandomLengthsAtContext77GiveIdenticalBitsForEveryPrefixAndThreadCount()
    {
        TextTransformer text = ClipModel.Create(s_wideContext, seed: 11).Text;
        const int batch = 13;
        int[] tokens = RandomTexts(text, batch, maxLength: 40, seed: 5);
        int used = TextTransformer.UsedLength(tokens, batch, text.ContextLength);
        Assert.Equal(40, used);

        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                Tensor full = text.Forward(tokens, batch);
                foreach (int length in new[] { used, used + 1, 64, text.ContextLength })
                {
                    AssertBitwiseEqual(full.Span, text.ForwardPrefix(tokens, batch, length).Span);
                }

                AssertEachRowAloneMatches(text, tokens, batch, full);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void APrefixThatCutsAnEndOfTextTokenIsRejected()
    {
        TextTransformer text = ClipModel.Create(s_wideContext, seed: 11).Text;
        int[] tokens = RandomTexts(text, 3, maxLength: 20, seed: 2);
        int used = TextTransformer.UsedLength(tokens, 3, text.ContextLength);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => text.ForwardPrefix(tokens, 3, used - 1));
        Assert.Contains("prefix length", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => text.ForwardPrefix(tokens, 3, text.ContextLength + 1));
    }

    // Each row in a batch of one, run on its own length: a different row count and thread split for every GEMM.
    private static void AssertEachRowAloneMatches(TextTransformer text, int[] tokens, int batch, Tensor full)
    {
        int ctx = text.ContextLength;
        int e = text.OutputDim;
        for (int b = 0; b < batch; b++)
        {
            int[] row = tokens.AsSpan(b * ctx, ctx).ToArray();
            int length = TextTransformer.EndOfTextIndex(row) + 1;
            AssertBitwiseEqual(full.Span.Slice(b * e, e), text.ForwardPrefix(row, 1, length).Span);
        }
    }

    // Rows as the tokenizer writes them: start token, ids, the end-of-text token (the largest id), zero padding.
    private static int[] RandomTexts(TextTransformer text, int batch, int maxLength, int seed)
    {
        var random = new Random(seed);
        int ctx = text.ContextLength;
        int eot = text.VocabSize - 1;
        var tokens = new int[batch * ctx];
        for (int b = 0; b < batch; b++)
        {
            int length = b == 0 ? maxLength : random.Next(2, maxLength + 1);
            tokens[b * ctx] = eot - 1;
            for (int t = 1; t < length - 1; t++)
            {
                tokens[(b * ctx) + t] = random.Next(0, eot - 1);
            }

            tokens[(b * ctx) + length - 1] = eot;
        }

        return tokens;
    }

    private static void AssertBitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R} (bits differ).");
            }
        }
    }
}

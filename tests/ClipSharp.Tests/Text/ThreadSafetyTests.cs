using ClipSharp.Testing;
using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

public sealed class ThreadSafetyTests
{
    [Fact]
    public void ParallelEncodeGivesTheSerialIds()
    {
        // A fresh tokenizer, so that the threads race to fill an empty cache.
        var tokenizer = ClipTokenizer.Create(Fixtures.RequireVocab(Fixtures.OpenAiMerges));
        var cases = ClipTokenizers.Cases;
        var results = new int[cases.Count * 8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            results[i] = tokenizer.Encode(cases[i % cases.Count].Text));
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(cases[i % cases.Count].Ids, results[i]);
        }
    }
}

using ClipSharp.Data;

namespace ClipSharp.Bulk;

/// <summary>The embedded samples of some webdataset shards, in shard order, and the samples the listing skipped.</summary>
public sealed record SampleEmbeddings(IReadOnlyList<SampleEmbedding> Samples, IReadOnlyList<BadSample> Skipped)
{
    public static SampleEmbeddings Empty { get; } = new([], []);
}

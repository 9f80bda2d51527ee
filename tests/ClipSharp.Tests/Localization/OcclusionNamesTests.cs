using ClipSharp.Localization;

namespace ClipSharp.Tests.Localization;

/// <summary>The occlusion scores' and merges' names: one per enum value, in its order, parsed back in any case, and an unknown name a typed error naming the option.</summary>
public sealed class OcclusionNamesTests
{
    [Fact]
    public void EveryScoreAndMergeHasANameThatParsesBack()
    {
        RoundTrips(OcclusionScores.Names, OcclusionScores.Parse, s => s.Name());
        RoundTrips(OccluderSizeMerges.Names, OccluderSizeMerges.Parse, m => m.Name());
        Assert.Equal("contrast", OcclusionScore.Contrast.Name());
        Assert.Equal("geometric", OccluderSizeMerge.GeometricMean.Name());
    }

    [Fact]
    public void AnUnknownNameIsATypedErrorNamingTheOptionAndTheNames()
    {
        LocateOptionsException score = Assert.Throws<LocateOptionsException>(() => OcclusionScores.Parse("loudest"));
        Assert.Equal(nameof(LocateOptions.OcclusionScore), score.Option);
        Assert.Equal("loudest", score.Value);
        Assert.Contains("cosine, probability, contrast, margin", score.Message, StringComparison.Ordinal);

        LocateOptionsException merge = Assert.Throws<LocateOptionsException>(() => OccluderSizeMerges.Parse("median"));
        Assert.Equal(nameof(LocateOptions.OccluderSizeMerge), merge.Option);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((OccluderSizeMerge)7).Name());
    }

    private static void RoundTrips<T>(IReadOnlyList<string> names, Func<string, T> parse, Func<T, string> name)
        where T : struct, Enum
    {
        T[] all = Enum.GetValues<T>();
        Assert.Equal(all.Length, names.Count);
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal(names[i], name(all[i]));
            Assert.Equal(all[i], parse(names[i]));
            Assert.Equal(all[i], parse(names[i].ToUpperInvariant()));
        }
    }
}

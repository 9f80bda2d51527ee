using ClipSharp.Models;

namespace ClipSharp.Tests.Models;

public sealed class ClipPresetsTests(ITestOutputHelper output)
{
    // Parameter counts (sum of model.parameters(), BatchNorm statistics excluded) of the released models as
    // published for the reference implementation; ViT-B/16, RN50x16 and RN50x64 only as rounded millions.
    [Theory]
    [InlineData("RN50", 102_007_137L, 0L)]
    [InlineData("RN101", 119_688_033L, 0L)]
    [InlineData("RN50x4", 178_300_601L, 0L)]
    [InlineData("RN50x16", 290_980_000L, 5_000L)]
    [InlineData("RN50x64", 623_260_000L, 5_000L)]
    [InlineData("ViT-B/32", 151_277_313L, 0L)]
    [InlineData("ViT-B/16", 149_620_000L, 5_000L)]
    [InlineData("ViT-L/14", 427_616_513L, 0L)]
    [InlineData("ViT-L/14@336px", 427_944_193L, 0L)]
    public void ParameterCountMatchesThePublishedFigure(string name, long published, long tolerance)
    {
        long count = ClipModel.CountParameters(ClipPresets.Get(name));
        output.WriteLine($"{name}: {count:N0} parameters (published {published:N0} ± {tolerance:N0})");
        Assert.InRange(count, published - tolerance, published + tolerance);
    }

    [Fact]
    public void PresetsCarryTheReferenceConstructorValues()
    {
        Assert.Equal(9, ClipPresets.Names.Count);
        foreach (string name in ClipPresets.Names)
        {
            ClipConfig c = ClipPresets.Get(name);
            Assert.Equal(77, c.ContextLength);
            Assert.Equal(49408, c.VocabSize);
            Assert.Equal(c.TransformerWidth / 64, c.TransformerHeads);
            Assert.Equal(name.StartsWith("ViT", StringComparison.Ordinal), c.IsVisionTransformer);
            Assert.Equal(c.IsVisionTransformer ? 1 : 4, c.VisionLayers.Count);
            Assert.Equal(ActivationKind.QuickGelu, c.Activation);
        }

        ClipConfig b32 = ClipPresets.Get("ViT-B/32");
        Assert.Equal((512, 224, 768, 32, 12, 12), (b32.EmbedDim, b32.ImageResolution, b32.VisionWidth, b32.VisionPatchSize!.Value, b32.VisionHeads, b32.VisionLayers[0]));
        ClipConfig rn50 = ClipPresets.Get("RN50");
        Assert.Equal(new[] { 3, 4, 6, 3 }, rn50.VisionLayers);
        Assert.Equal(32, rn50.VisionHeads);
        Assert.Same(ClipPresets.Get("ViT-L/14@336px"), ClipPresets.Get("ViT-L/14@336"));
    }

    [Fact]
    public void UnknownPresetNamesTheKnownOnes()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => ClipPresets.Get("ViT-H/14"));
        Assert.Contains("ViT-B/32", ex.Message, StringComparison.Ordinal);
    }
}

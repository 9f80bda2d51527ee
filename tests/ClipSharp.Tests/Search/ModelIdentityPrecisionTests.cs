using ClipSharp.Checkpoints;
using ClipSharp.Search;
using ClipSharp.Testing;
using ClipSharp.Tests.Checkpoints;

namespace ClipSharp.Tests.Search;

// Reduced-precision weights are held outside the parameter buffer; the identity must still see them, or an index
// built by an int8 model would accept queries from its float32 original (and from any other int8 conversion).
public sealed class ModelIdentityPrecisionTests
{
    [Fact]
    public void ReducedPrecisionModelsHaveTheirOwnIdentity()
    {
        using var temp = new IO.TempFolder();
        string f16 = ReducedPrecisionFolders.Convert(temp, "vit_tiny", SafeTensorsDType.F16);
        string int8 = ReducedPrecisionFolders.Convert(temp, "vit_tiny", SafeTensorsDType.I8);
        string original = ModelIdentity.Compute(Clip.Load(ReducedPrecisionFolders.Original("vit_tiny"), Fixtures.TinyVocab, TestContext.Current.CancellationToken));
        string half = ModelIdentity.Compute(Clip.Load(f16, null, TestContext.Current.CancellationToken));
        string quantized = ModelIdentity.Compute(Clip.Load(int8, null, TestContext.Current.CancellationToken));
        Assert.Equal(quantized, ModelIdentity.Compute(Clip.Load(int8, null, TestContext.Current.CancellationToken)));
        Assert.Equal(3, new[] { original, half, quantized }.Distinct().Count());

        // The same int8 weights with one scale changed are another model.
        string edited = ReducedPrecisionFolders.Rewrite(temp, int8, "edited", tensors =>
        {
            string scale = tensors.Keys.First(k => k.EndsWith("_scale", StringComparison.Ordinal));
            tensors[scale].Floats![0] *= 2;
        });
        Assert.NotEqual(quantized, ModelIdentity.Compute(Clip.Load(edited, null, TestContext.Current.CancellationToken)));
    }
}

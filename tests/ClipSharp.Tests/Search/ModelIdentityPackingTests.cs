using ClipSharp.Checkpoints;
using ClipSharp.Layers;
using ClipSharp.Models;
using ClipSharp.Search;
using ClipSharp.Tensors.Kernels;
using ClipSharp.Testing;
using ClipSharp.Tests.Checkpoints;

namespace ClipSharp.Tests.Search;

// An inference model holds its float32 matrix weights packed, a model built to train holds them in its store:
// both embed alike, so they must share one identity, and indexes built before weights were packed must still match.
public sealed class ModelIdentityPackingTests
{
    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void PackedAndUnpackedFloat32Models_HaveOneIdentity(string model)
    {
        string path = ReducedPrecisionFolders.Original(model);
        Clip packed = Clip.Load(path, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Clip unpacked = Clip.FromCheckpoint(ModelFolder.Load(path, Fixtures.TinyVocab));
        Assert.Contains(packed.Model.PackedWeights(), p => p.Weight.Precision == WeightPrecision.Float32);
        Assert.Contains(packed.Model.PackedWeights(), p => QuantizedWeights.IsInputMajor(p.Name));
        Assert.Empty(unpacked.Model.PackedWeights());

        Assert.Equal(ModelIdentity.Compute(unpacked), ModelIdentity.Compute(packed));
    }

    [Fact]
    public void TheStoreIsItsEntriesBackToBack_SoTheIdentityHashesWhatItHashedBefore()
    {
        // Hashing the entries one by one in layout order hashes the same bytes as the whole store at once (the
        // identity of a float32 model before its weights were packed) exactly when the entries tile the store.
        ClipModel model = Clip.FromCheckpoint(ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab)).Model;
        long next = 0;
        foreach (Parameter p in model.Parameters.Layout.Entries)
        {
            Assert.Equal(next, p.Offset);
            Assert.True(model.Parameters.Data.AsSpan(checked((int)p.Offset), p.Length).SequenceEqual(p.Value.Span));
            next += p.Length;
        }

        Assert.Equal(model.Parameters.Data.LongLength, next);
    }

    [Fact]
    public void AChangedPackedWeight_ChangesTheIdentity()
    {
        using var temp = new IO.TempFolder();
        string original = ReducedPrecisionFolders.Original("vit_tiny");
        string edited = ReducedPrecisionFolders.Rewrite(temp, original, "edited", tensors =>
            tensors["visual.transformer.resblocks.0.mlp.c_fc.weight"].Floats![5] += 0.25f);
        Clip before = Clip.Load(original, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Clip after = Clip.Load(edited, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Assert.Equal(WeightPrecision.Float32, after.Model.PackedWeights().Single(p => p.Name == "visual.transformer.resblocks.0.mlp.c_fc.weight").Weight.Precision);
        Assert.NotEqual(ModelIdentity.Compute(before), ModelIdentity.Compute(after));
    }
}

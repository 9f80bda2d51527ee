using ClipSharp.Checkpoints;
using ClipSharp.Imaging;
using ClipSharp.Layers;
using ClipSharp.Localization;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Localization;

/// <summary>
/// The ViT's gradient relevance keeps parameter gradients only for what its backward pass goes through: against
/// the whole model's buffer (the naive way), the relevance is bit for bit the same, the whole buffer holds nothing
/// outside the reduced one's entries, and the reduced buffer is a fraction of the model.
/// </summary>
public sealed class GradientBufferTests
{
    private static readonly Lazy<Clip> s_clip = new(() => Clip.FromCheckpoint(ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab)));

    private static Clip Tiny => s_clip.Value;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TheReducedBufferGivesTheWholeBuffersRelevanceAndMissesNoGradient(int depth)
    {
        var vit = (VisionTransformer)Tiny.Model.Visual;
        float[] pixels = Tiny.ImageTransform.Apply(ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg")));
        Tensor texts = ClipModel.Normalize(Tiny.EncodeTexts(["a red star", "a blue circle"]));

        ParameterStore whole = Tiny.Model.CreateGradients();
        (float[] wantActivations, float[] wantGradients) = GradientRelevance.Backward(Tiny.Model, pixels, texts, depth, whole);
        (float[] activations, float[] gradients) = GradientRelevance.Backward(Tiny.Model, pixels, texts, depth);
        Assert.Equal(wantActivations, activations);
        Assert.Equal(wantGradients, gradients);

        var held = new HashSet<Parameter>(GradientRelevance.BackwardEntries(Tiny.Model, vit, depth));
        foreach (Parameter p in Tiny.Model.Parameters.Layout.Entries.Where(p => !held.Contains(p)))
        {
            Assert.True(whole.SpanOf(p).IndexOfAnyExcept(0f) < 0, $"the backward pass wrote a gradient for {p.Name}, which the reduced buffer does not hold");
        }

        // Every held entry does get a gradient: the set is no larger than the pass.
        foreach (Parameter p in held)
        {
            Assert.True(whole.SpanOf(p).IndexOfAnyExcept(0f) >= 0, $"{p.Name} is held but gets no gradient");
        }
    }

    [Fact]
    public void AtTheLastBlockTheBufferHoldsThatBlockLnPostAndProjOnly()
    {
        var vit = (VisionTransformer)Tiny.Model.Visual;
        ParameterLayout layout = Tiny.Model.Parameters.Layout;
        string last = vit.Transformer.Resblocks[^1].Name + ".";
        long expected = layout.Entries
            .Where(p => p.Name.StartsWith(last, StringComparison.Ordinal) || p.Name.StartsWith("visual.ln_post.", StringComparison.Ordinal) || p.Name == "visual.proj")
            .Sum(p => (long)p.Length);
        ParameterStore store = ParameterStore.AllocateFor(layout, GradientRelevance.BackwardEntries(Tiny.Model, vit, 1));
        Assert.Equal(expected, store.Data.Length);
        // One of the tiny ViT's two blocks, ln_post and proj: under half of the whole model (the text tower is small).
        Assert.True(store.Data.Length * 2L < layout.Count, $"{store.Data.Length} of {layout.Count} floats");
    }
}

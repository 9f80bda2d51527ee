using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Training;

/// <summary>
/// Inference and training run one forward pass per layer: keeping the activations changes no bit of the features,
/// and neither does running on the used prefix of the text context. Gradient caching relies on this: its first pass
/// embeds keeping nothing, its third recomputes keeping everything, and both must see the same features.
/// </summary>
public sealed class OneForwardTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KeepingActivationsLeavesTheImageFeaturesBitForBit(bool resNet)
    {
        ClipConfig config = resNet
            ? new ClipConfig(64, 64, [1, 1, 1, 1], 32, null, 16, 300, 64, 2, 1)
            : new ClipConfig(64, 32, [2], 64, 8, 16, 300, 64, 2, 2);
        ClipModel model = ClipModel.Create(config, seed: 21);
        const int batch = 4;
        int r = config.ImageResolution;
        float[] pixels = ClipSharp.Tests.Models.SteadyStateAllocationTests.RandomValues(batch * 3 * r * r, 22);
        int e = config.EmbedDim;
        using var workspace = new Workspace();
        float[] inference = model.EncodeImage(new Tensor(pixels, batch, 3, r, r)).ToArray();
        var eval = new float[batch * e];
        var training = new float[batch * e];
        var kept = new float[batch * e];
        model.Visual.Forward(pixels, batch, eval, workspace, ForwardPass.Inference);
        model.Visual.Forward(pixels, batch, training, workspace, ForwardPass.Training);
        model.Visual.Forward(pixels, batch, kept, workspace, ForwardPass.Keep);

        Assert.Equal(inference, eval);
        Assert.Equal(training, kept);
        if (!resNet)
        {
            // No batch norm: train mode is eval mode.
            Assert.Equal(inference, kept);
        }
        else
        {
            Assert.NotEqual(inference, kept);
        }
    }

    [Fact]
    public void KeepingActivationsOnTheUsedPrefixLeavesTheTextFeaturesBitForBit()
    {
        var config = new ClipConfig(64, 32, [2], 64, 8, 16, 300, 64, 2, 2);
        ClipModel model = ClipModel.Create(config, seed: 23);
        const int batch = 5;
        int[] tokens = SteadyStateTrainingAllocationTests.Tokens(config, batch, 24);
        Assert.True(TextTransformer.UsedLength(tokens, batch, config.ContextLength) < config.ContextLength);
        using var workspace = new Workspace();
        float[] full = model.EncodeText(tokens, batch).ToArray();
        var kept = new float[full.Length];
        model.Text.Forward(tokens, batch, kept, workspace, ForwardPass.Keep);
        Assert.Equal(full, kept);
    }

    [Fact]
    public void ABackwardPassWithoutItsForwardIsRefused()
    {
        var config = new ClipConfig(64, 32, [2], 64, 8, 16, 300, 64, 2, 2);
        ClipModel model = ClipModel.Create(config, seed: 25);
        using var workspace = new Workspace();
        var grads = model.CreateGradients();
        var dFeatures = new float[2 * config.EmbedDim];
        var ex = Assert.Throws<InvalidOperationException>(() => model.Visual.Backward(workspace, dFeatures, grads));
        Assert.Contains("no activations of this vision transformer", ex.Message, StringComparison.Ordinal);

        // A pass that kept nothing leaves nothing to differentiate either.
        int[] tokens = SteadyStateTrainingAllocationTests.Tokens(config, 2, 26);
        model.Text.Forward(tokens, 2, dFeatures, workspace, ForwardPass.Keep);
        model.Text.Forward(tokens, 2, dFeatures, workspace, ForwardPass.Training);
        Assert.Throws<InvalidOperationException>(() => model.Text.Backward(workspace, dFeatures, grads));
    }
}

using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;
using ClipSharp.Tests.Layers;

namespace ClipSharp.Tests.Models;

/// <summary>
/// The image towers' gradient with respect to their input pixels, which guided synthesis follows, against central
/// finite differences of the features (a ResNet in train mode, as its kept forward runs).
/// </summary>
public sealed class PixelGradientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PixelGradientsMatchFiniteDifferences(bool resNet)
    {
        ClipConfig config = resNet
            ? new ClipConfig(16, 32, [1, 1, 1, 1], 16, null, 16, 300, 32, 2, 1)
            : new ClipConfig(16, 16, [2], 32, 4, 16, 300, 32, 2, 1) { VisionHeads = 2 };
        ClipModel model = ClipModel.Create(config, seed: 31);
        const int batch = 2;
        int r = config.ImageResolution;
        float[] pixels = LayerHarness.Random(batch * 3 * r * r, 32);
        float[] weights = LayerHarness.Random(batch * config.EmbedDim, 33);
        var features = new float[weights.Length];
        using var workspace = new Workspace();
        double Loss()
        {
            model.Visual.Forward(pixels, batch, features, workspace, ForwardPass.Training);
            return GradCheck.Dot(weights, features);
        }

        model.Visual.Forward(pixels, batch, features, workspace, ForwardPass.Keep);
        var dPixels = new float[pixels.Length];
        model.Visual.Backward(workspace, weights, model.CreateGradients(), dPixels);
        GradCheck.Check("dPixels", pixels, dPixels, Loss, samples: 24, step: resNet ? 2e-3f : 1e-2f, tolerance: 3e-2);
    }

    [Fact]
    public void APixelGradientOfTheWrongSizeIsRefused()
    {
        var config = new ClipConfig(16, 16, [1], 32, 4, 16, 300, 32, 2, 1) { VisionHeads = 2 };
        ClipModel model = ClipModel.Create(config, seed: 34);
        float[] pixels = LayerHarness.Random(3 * 16 * 16, 35);
        using var workspace = new Workspace();
        model.Visual.Forward(pixels, 1, new float[16], workspace, ForwardPass.Keep);
        Assert.Throws<ArgumentException>(() => model.Visual.Backward(workspace, new float[16], model.CreateGradients(), new float[pixels.Length - 1]));
    }
}

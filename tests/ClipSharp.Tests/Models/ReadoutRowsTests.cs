using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tests.Training;

namespace ClipSharp.Tests.Models;

/// <summary>
/// Inference runs the last transformer block only at the rows that are read out (an image's class token, a text's
/// end-of-text token); an observer sees every block's whole output, so with one the towers run every row. The
/// features must be the same bits both ways: at 50 tokens (ViT-B/32's count, whose GEMMs end in a 2-row edge), at
/// batch 1 and at a batch whose rows end mid-tile, and for texts whose end-of-text tokens sit at different places.
/// </summary>
public sealed class ReadoutRowsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TheImageFeaturesAreThoseOfEveryRow(int batch)
    {
        var config = new ClipConfig(32, 56, [2], 64, 8, 16, 300, 64, 2, 2);
        ClipModel model = ClipModel.Create(config, seed: 31);
        int r = config.ImageResolution;
        float[] pixels = SteadyStateAllocationTests.RandomValues(batch * 3 * r * r, 32);
        var images = new Tensor(pixels, batch, 3, r, r);
        int observed = 0;
        float[] everyRow = model.EncodeImage(images, (_, _) => observed++).ToArray();
        float[] readout = model.EncodeImage(images).ToArray();
        Assert.True(observed > 0);
        AssertSameBits(everyRow, readout);
    }

    [Fact]
    public void TheTextFeaturesAreThoseOfEveryRow()
    {
        var config = new ClipConfig(32, 56, [2], 64, 8, 16, 300, 64, 2, 2);
        ClipModel model = ClipModel.Create(config, seed: 33);
        const int batch = 7;
        int[] tokens = SteadyStateTrainingAllocationTests.Tokens(config, batch, 34);
        float[] everyRow = model.EncodeText(tokens, batch, (_, _) => { }).ToArray();
        float[] readout = model.EncodeText(tokens, batch).ToArray();
        AssertSameBits(everyRow, readout);
    }

    private static void AssertSameBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"feature {i}: {expected[i]:R} with every row, {actual[i]:R} at the read-out rows.");
            }
        }
    }
}

using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class LayerNormBackwardTests
{
    [Fact]
    public void MatchesFiniteDifferencesForInputGainAndBias()
    {
        const int rows = 3;
        const int cols = 7;
        var random = new Random(61);
        float[] x = KernelTestKit.Uniform(random, rows * cols, -2f, 2f);
        float[] weight = KernelTestKit.Uniform(random, cols, 0.5f, 1.5f);
        float[] bias = KernelTestKit.Uniform(random, cols, -1f, 1f);
        float[] r = KernelTestKit.Uniform(random, rows * cols, -1f, 1f);
        var y = new float[x.Length];
        double Loss()
        {
            LayerNorm.Forward(x, weight, bias, y, rows, cols);
            return FiniteDifference.Dot(r, y);
        }

        var dx = new float[x.Length];
        var dWeight = new float[cols];
        var dBias = new float[cols];
        LayerNormBackward.Backward(x, weight, r, dx, dWeight, dBias, rows, cols);
        FiniteDifference.Check("dx", x, dx, Loss);
        FiniteDifference.Check("dWeight", weight, dWeight, Loss);
        FiniteDifference.Check("dBias", bias, dBias, Loss);

        // Parameter gradients accumulate across calls.
        LayerNormBackward.Backward(x, weight, r, dx, dWeight, dBias, rows, cols);
        FiniteDifference.Check("dBias twice", bias, [.. dBias.Select(v => v / 2)], Loss);
    }
}

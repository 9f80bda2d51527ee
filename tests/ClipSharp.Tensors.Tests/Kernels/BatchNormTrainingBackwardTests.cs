using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class BatchNormTrainingBackwardTests
{
    [Fact]
    public void ForwardUsesBatchStatisticsAndBackwardMatchesFiniteDifferences()
    {
        const int n = 2;
        const int c = 3;
        const int s = 5;
        var random = new Random(62);
        float[] x = KernelTestKit.Uniform(random, n * c * s, -2f, 2f);
        float[] weight = KernelTestKit.Uniform(random, c, 0.5f, 1.5f);
        float[] bias = KernelTestKit.Uniform(random, c, -1f, 1f);
        float[] r = KernelTestKit.Uniform(random, x.Length, -1f, 1f);
        var y = new float[x.Length];
        var mean = new double[c];
        var variance = new double[c];

        BatchNormTraining.Forward(x, [1, 1, 1], [0, 0, 0], y, mean, variance, n, c, s);
        for (int ch = 0; ch < c; ch++)
        {
            double[] values = [.. Enumerable.Range(0, n * s).Select(i => (double)y[(((i / s) * c) + ch) * s + (i % s)])];
            Assert.Equal(0, values.Average(), 5);
            Assert.Equal(variance[ch] / (variance[ch] + 1e-5), values.Select(v => v * v).Average(), 4);
        }

        double Loss()
        {
            BatchNormTraining.Forward(x, weight, bias, y, mean, variance, n, c, s);
            return FiniteDifference.Dot(r, y);
        }

        Loss();
        var dx = new float[x.Length];
        var dWeight = new float[c];
        var dBias = new float[c];
        BatchNormTraining.Backward(x, weight, mean, variance, r, dx, dWeight, dBias, n, c, s);
        FiniteDifference.Check("dx", x, dx, Loss);
        FiniteDifference.Check("dWeight", weight, dWeight, Loss);
        FiniteDifference.Check("dBias", bias, dBias, Loss);
        Assert.Throws<ArgumentException>(() => BatchNormTraining.Forward(new float[3], [1, 1, 1], [0, 0, 0], new float[3], mean, variance, 1, 3, 1));
    }
}

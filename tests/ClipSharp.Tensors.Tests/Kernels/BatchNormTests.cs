using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// Eval BatchNorm against the double oracle. Folding to x·scale + shift can cancel, so the bound is
// 1e-6 of the terms' magnitude |x·scale| + |shift|, plus 1e-7.
public sealed class BatchNormTests
{
    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void MatchesOracle_ForEverySpatialLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(61);
        foreach ((int n, int c) in ((int, int)[])[(1, 1), (2, 3)])
        {
            for (int s = 0; s <= 256; s++)
            {
                float[] x = KernelTestKit.Uniform(random, n * c * s, -3f, 3f);
                float[] weight = KernelTestKit.Uniform(random, c, 0.2f, 2f);
                float[] bias = KernelTestKit.Uniform(random, c, -1f, 1f);
                float[] mean = KernelTestKit.Uniform(random, c, -1f, 1f);
                float[] variance = KernelTestKit.Uniform(random, c, 0.1f, 4f);
                var expected = new float[x.Length];
                var actual = new float[x.Length];
                BatchNormReference.Inference(x, weight, bias, mean, variance, expected, n, c, s);
                BatchNorm.Inference(x, weight, bias, mean, variance, actual, n, c, s, 1e-5f, isa);

                var scale = new float[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    int ch = i / s % c;
                    double factor = weight[ch] / Math.Sqrt(variance[ch] + 1e-5);
                    scale[i] = (float)(Math.Abs(x[i] * factor) + Math.Abs(bias[ch] - (mean[ch] * factor)) + 0.1);
                }

                KernelTestKit.CloseScaled(expected, actual, scale, 1e-6, $"batchnorm {isaName} N={n} C={c} S={s}");
            }
        }
    }

    [Fact]
    public void InPlace_AndArgumentChecks()
    {
        var random = new Random(62);
        float[] x = KernelTestKit.Uniform(random, 2 * 4 * 9, -2f, 2f);
        float[] ones = [1f, 1f, 1f, 1f];
        float[] zeros = [0f, 0f, 0f, 0f];
        var expected = new float[x.Length];
        BatchNorm.Inference(x, ones, zeros, zeros, ones, expected, 2, 4, 9);
        BatchNorm.Inference(x, ones, zeros, zeros, ones, x, 2, 4, 9);
        Assert.Equal(expected, x);
        Assert.Contains("runningVar holds 3", Assert.Throws<ArgumentException>(
            () => BatchNorm.Inference(x, ones, zeros, zeros, [1f, 1f, 1f], x, 2, 4, 9)).Message);
        Assert.Contains("x holds 72", Assert.Throws<ArgumentException>(
            () => BatchNorm.Inference(x, ones, zeros, zeros, ones, new float[80], 2, 4, 10)).Message);
    }
}

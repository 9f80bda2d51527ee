using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// The oracles themselves, against independently known values.
public sealed class ReferenceOracleTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-1.5, -0.9661051464753108)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.5, 0.9995930479825550)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(-4.5, -0.9999999998033839)]
    [InlineData(7.0, 1.0)]
    public void Erf_MatchesTabulatedValues(double x, double expected)
        => Assert.Equal(expected, ActivationReference.Erf(x), 1e-15);

    [Fact]
    public void Erf_IsNaNForNaN() => Assert.True(double.IsNaN(ActivationReference.Erf(double.NaN)));

    [Fact]
    public void Gelu_AndQuickGelu_MatchClosedForms()
    {
        float[] x = [0f, 1f, -1f, 2f];
        var y = new float[4];
        ActivationReference.Gelu(x, y);
        // x·Φ(x) with tabulated Φ(1) = 0.8413447460685429, Φ(−1) = 0.15865525393145707, Φ(2) = 0.9772498680518208.
        Assert.Equal([0f, (float)0.8413447460685429, (float)-0.15865525393145707, (float)(2 * 0.9772498680518208)], y);
        ActivationReference.QuickGelu(x, y);
        Assert.Equal([0f, (float)(1 / (1 + Math.Exp(-1.702))), (float)(-1 / (1 + Math.Exp(1.702))), (float)(2 / (1 + Math.Exp(-3.404)))], y);
    }

    [Fact]
    public void Softmax_OfKnownRow()
    {
        float[] x = [1f, 2f, 3f, float.NegativeInfinity];
        var y = new float[4];
        SoftmaxReference.Forward(x, y, 1, 4);
        Assert.Equal([0.09003057f, 0.24472848f, 0.66524094f, 0f], y);
    }

    [Fact]
    public void LayerNorm_OfKnownRow()
    {
        // mean 2.5, biased variance 1.25.
        float[] x = [1f, 2f, 3f, 4f];
        var y = new float[4];
        LayerNormReference.Forward(x, [1f, 1f, 1f, 1f], [0f, 0f, 0f, 1f], y, 1, 4, 0f);
        double r = 1 / Math.Sqrt(1.25);
        Assert.Equal([(float)(-1.5 * r), (float)(-0.5 * r), (float)(0.5 * r), (float)((1.5 * r) + 1)], y);
    }
}

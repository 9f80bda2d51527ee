using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// Conv2d against the double oracle. Each output is a sum of products, so the bound is relative to
// its magnitude Σ|w·x| + |b| (the oracle run on absolute values): 1e-5 of it, which leaves room for
// any float32 summation order in the GEMM.
public sealed class Conv2dTests
{
    private const double Rtol = 1e-5;

    // (N, C, H, W, O, KH, KW, stride, padding)
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        { 1, 1, 1, 1, 1, 1, 1, 1, 0 },
        { 2, 3, 5, 7, 4, 1, 1, 1, 0 },
        { 1, 8, 9, 9, 6, 1, 1, 2, 0 },
        { 2, 3, 6, 6, 5, 3, 3, 1, 1 },
        { 1, 4, 7, 5, 3, 3, 3, 2, 1 },
        { 1, 2, 8, 8, 4, 3, 3, 2, 1 },
        { 2, 3, 16, 16, 8, 8, 8, 8, 0 },
        { 1, 3, 24, 16, 5, 8, 8, 8, 0 },
        { 1, 2, 5, 6, 3, 2, 3, 1, 0 },
        { 1, 3, 4, 4, 2, 5, 5, 1, 2 },
        { 1, 2, 3, 3, 2, 3, 3, 3, 4 },
        { 1, 1, 2, 2, 1, 1, 1, 1, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesOracle(int n, int c, int h, int w, int o, int kh, int kw, int stride, int padding)
    {
        var random = new Random((((n * 31) + c) * 31) + (h * 7) + kh + stride);
        int oh = Conv2d.OutputSize(h, kh, stride, padding);
        int ow = Conv2d.OutputSize(w, kw, stride, padding);
        float[] x = KernelTestKit.Uniform(random, n * c * h * w, -1f, 1f);
        float[] weight = KernelTestKit.Uniform(random, o * c * kh * kw, -0.5f, 0.5f);
        float[] bias = KernelTestKit.Uniform(random, o, -0.2f, 0.2f);
        foreach (float[] b in (float[][])[bias, []])
        {
            var expected = new float[n * o * oh * ow];
            var magnitude = new float[expected.Length];
            float[] actual = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
            Conv2dReference.Forward(x, weight, b, expected, n, c, h, w, o, kh, kw, stride, padding);
            Conv2dReference.Forward(KernelTestKit.Abs(x), KernelTestKit.Abs(weight), KernelTestKit.Abs(b), magnitude, n, c, h, w, o, kh, kw, stride, padding);
            Conv2d.Forward(x, weight, b, actual, n, c, h, w, o, kh, kw, stride, padding);
            KernelTestKit.CloseScaled(expected, actual, magnitude, Rtol, $"conv bias={b.Length > 0}");
        }
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        var x = new float[2 * 3 * 4 * 4];
        var weight = new float[5 * 3 * 3 * 3];
        var y = new float[2 * 5 * 4 * 4];
        Assert.Contains("weight holds 134", Assert.Throws<ArgumentException>(
            () => Conv2d.Forward(x, weight.AsSpan(1), [], y, 2, 3, 4, 4, 5, 3, 3, 1, 1)).Message);
        Assert.Contains("bias holds 4", Assert.Throws<ArgumentException>(
            () => Conv2d.Forward(x, weight, new float[4], y, 2, 3, 4, 4, 5, 3, 3, 1, 1)).Message);
        Assert.Contains("y holds 159", Assert.Throws<ArgumentException>(
            () => Conv2d.Forward(x, weight, [], y.AsSpan(1), 2, 3, 4, 4, 5, 3, 3, 1, 1)).Message);
        Assert.Contains("larger than the padded", Assert.Throws<ArgumentException>(
            () => Conv2d.Forward(x, new float[5 * 3 * 7 * 7], [], y, 2, 3, 4, 4, 5, 7, 7, 1, 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.Forward(x, weight, [], y, 2, 3, 4, 4, 5, 3, 3, 0, 1));
    }
}

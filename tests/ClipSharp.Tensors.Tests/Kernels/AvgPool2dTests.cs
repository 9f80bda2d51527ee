using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// AvgPool2d against the double oracle: 1e-6 relative plus 1e-7 absolute (inputs in [-1, 1]).
public sealed class AvgPool2dTests
{
    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    // (N, C, H, W, kernel, stride)
    private static readonly (int N, int C, int H, int W, int K, int S)[] Shapes =
    [
        (1, 1, 1, 1, 1, 1), (2, 3, 8, 8, 2, 2), (1, 4, 7, 9, 2, 2), (1, 2, 56, 56, 2, 2), (2, 2, 10, 7, 3, 3),
        (1, 3, 9, 9, 3, 2), (1, 1, 5, 6, 1, 1), (1, 2, 33, 17, 4, 3), (1, 1, 7, 7, 7, 7),
    ];

    [Theory]
    [MemberData(nameof(Isas))]
    public void MatchesOracle(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(51);
        foreach ((int n, int c, int h, int w, int k, int s) in Shapes)
        {
            int oh = AvgPool2d.OutputSize(h, k, s);
            int ow = AvgPool2d.OutputSize(w, k, s);
            float[] x = KernelTestKit.Uniform(random, n * c * h * w, -1f, 1f);
            var expected = new float[n * c * oh * ow];
            var actual = new float[expected.Length];
            AvgPool2dReference.Forward(x, expected, n, c, h, w, k, s);
            AvgPool2d.Forward(x, actual, n, c, h, w, k, s, isa);
            KernelTestKit.Close(expected, actual, 1e-6, 1e-7, $"avgpool {isaName} N={n} C={c} H={h} W={w} k={k} s={s}");
        }
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        var x = new float[2 * 4 * 4];
        Assert.Contains("y holds 7", Assert.Throws<ArgumentException>(() => AvgPool2d.Forward(x, new float[7], 1, 2, 4, 4, 2, 2)).Message);
        Assert.Contains("x holds 32", Assert.Throws<ArgumentException>(() => AvgPool2d.Forward(x, new float[32], 1, 3, 4, 4, 2, 2)).Message);
        Assert.Contains("larger than", Assert.Throws<ArgumentException>(() => AvgPool2d.Forward(x, new float[8], 1, 2, 4, 4, 5, 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => AvgPool2d.Forward(x, new float[8], 1, 2, 4, 4, 2, 0));
    }
}

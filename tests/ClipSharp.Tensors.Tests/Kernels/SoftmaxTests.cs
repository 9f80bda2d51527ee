using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// Softmax against the double oracle: 2e-6 relative plus 1e-9 absolute (the absolute part covers
// probabilities far below the row maximum, whose exponent x − max carries a rounding error).
public sealed class SoftmaxTests
{
    private const double Rtol = 2e-6;
    private const double Atol = 1e-9;

    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void MatchesOracle_ForEveryRowLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(21);
        foreach (int rows in (int[])[1, 3])
        {
            for (int cols = 0; cols <= 256; cols++)
            {
                float[] x = KernelTestKit.Uniform(random, rows * cols, -8f, 8f);
                var expected = new float[x.Length];
                var actual = new float[x.Length];
                SoftmaxReference.Forward(x, expected, rows, cols);
                Softmax.Forward(x, actual, rows, cols, isa);
                KernelTestKit.Close(expected, actual, Rtol, Atol, $"softmax {isaName} rows={rows} cols={cols}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void LargeLogits_DoNotOverflow(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = KernelTestKit.Uniform(new Random(22), 4 * 77, 500f, 520f);
        var expected = new float[x.Length];
        var actual = new float[x.Length];
        SoftmaxReference.Forward(x, expected, 4, 77);
        Softmax.Forward(x, actual, 4, 77, isa);
        KernelTestKit.Close(expected, actual, 1e-5, Atol, $"large logits {isaName}");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void CausallyMaskedRows_GiveMaskedEntriesZero(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        const int n = 77;
        float[] x = KernelTestKit.Uniform(new Random(23), n * n, -3f, 3f);
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                x[(i * n) + j] = float.NegativeInfinity;
            }
        }

        var expected = new float[x.Length];
        var actual = new float[x.Length];
        SoftmaxReference.Forward(x, expected, n, n);
        Softmax.Forward(x, actual, n, n, isa);
        KernelTestKit.Close(expected, actual, Rtol, Atol, $"causal {isaName}");
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                Assert.Equal(0f, actual[(i * n) + j]);
            }
        }
    }

    [Fact]
    public void InPlace_GivesTheSameResult()
    {
        float[] x = KernelTestKit.Uniform(new Random(24), 3 * 50, -5f, 5f);
        var expected = new float[x.Length];
        Softmax.Forward(x, expected, 3, 50);
        Softmax.Forward(x, x, 3, 50);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void BadShapes_AreRejected()
    {
        var x = new float[12];
        Assert.Contains("x holds 12", Assert.Throws<ArgumentException>(() => Softmax.Forward(x, new float[20], 4, 5)).Message);
        Assert.Contains("y holds 11", Assert.Throws<ArgumentException>(() => Softmax.Forward(x, new float[11], 3, 4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Forward(x, x, -1, 4));
    }
}

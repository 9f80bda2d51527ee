using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// Relu must be exact. QuickGELU and GELU must agree with the double-precision oracle to
// 1e-6 relative (≈ 8–16 ulp) plus 1e-15 absolute: the oracle forms 1 + erf(x/√2) in double, so for
// x ≪ 0 it is itself only good to ~|x|·1e-16 absolute. The GELU tail has its own relative test below.
public sealed class ActivationTests
{
    private const double Rtol = 1e-6;
    private const double Atol = 1e-15;

    private static readonly float[] Specials =
    [
        0f, -0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 0.5f, -0.5f, 1.2374f, -1.2374f, 3f, -3f, 5.5f, -5.5f,
        9f, -9f, 12f, -12f, 20f, -20f, 60f, -60f, 1e6f, -1e6f, float.MaxValue, float.MinValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN,
    ];

    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void Relu_MatchesOracleExactly_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(11);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = KernelTestKit.Uniform(random, n, -4f, 4f);
            var expected = new float[n];
            var actual = new float[n];
            ActivationReference.Relu(x, expected);
            Relu.Forward(x, actual, isa);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QuickGelu_MatchesOracle_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(12);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = KernelTestKit.Uniform(random, n, -12f, 12f);
            var expected = new float[n];
            var actual = new float[n];
            ActivationReference.QuickGelu(x, expected);
            QuickGelu.Forward(x, actual, isa);
            KernelTestKit.Close(expected, actual, Rtol, Atol, $"QuickGelu {isaName} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Gelu_MatchesOracle_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(13);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = KernelTestKit.Uniform(random, n, -14f, 14f);
            var expected = new float[n];
            var actual = new float[n];
            ActivationReference.Gelu(x, expected);
            Gelu.Forward(x, actual, isa);
            KernelTestKit.Close(expected, actual, Rtol, Atol, $"Gelu {isaName} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Gelu_IsAccurateAcrossTheBranchPointAndTail(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);

        // A dense sweep, crossing |x/√2| = 0.875 where the kernel switches from the series to erfc.
        var x = new float[8001];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -16f + (i * 0.004f);
        }

        var expected = new float[x.Length];
        var actual = new float[x.Length];
        ActivationReference.Gelu(x, expected);
        Gelu.Forward(x, actual, isa);
        KernelTestKit.Close(expected, actual, Rtol, Atol, $"Gelu sweep {isaName}");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Gelu_NegativeTailIsAccurateInRelativeTerms(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);

        // 0.5·x·erfc(−x/√2) evaluated to 30 digits.
        float[] x = [-3f, -5f, -8f, -10f, -12f, -3f, -5f, -8f, -10f, -12f, -3f, -5f, -8f, -10f, -12f, -3f, -5f];
        double[] exact = [-0.0040496940948902836, -1.4332578593959696e-6, -4.9767684594174273e-15, -7.6198530241605261e-23, -2.1317785344932148e-32];
        var actual = new float[x.Length];
        Gelu.Forward(x, actual, isa);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = exact[i % exact.Length];
            Assert.True(Math.Abs(actual[i] - expected) <= 1e-6 * Math.Abs(expected), $"gelu({x[i]}) = {actual[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void SpecialValues_MatchOracle(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);

        // Repeated so the specials pass through the vector body as well as the scalar tail.
        float[] x = [.. Specials, .. Specials, .. Specials];
        var expected = new float[x.Length];
        var actual = new float[x.Length];

        ActivationReference.Relu(x, expected);
        Relu.Forward(x, actual, isa);
        Assert.Equal(expected, actual);

        ActivationReference.QuickGelu(x, expected);
        QuickGelu.Forward(x, actual, isa);
        KernelTestKit.Close(expected, actual, Rtol, Atol, $"QuickGelu specials {isaName}");

        ActivationReference.Gelu(x, expected);
        Gelu.Forward(x, actual, isa);
        KernelTestKit.Close(expected, actual, Rtol, Atol, $"Gelu specials {isaName}");
    }

    [Fact]
    public void InPlace_GivesTheSameResult()
    {
        float[] x = KernelTestKit.Uniform(new Random(14), 77, -6f, 6f);
        var expected = new float[x.Length];

        QuickGelu.Forward(x, expected);
        float[] y = (float[])x.Clone();
        QuickGelu.Forward(y, y);
        Assert.Equal(expected, y);

        Gelu.Forward(x, expected);
        y = (float[])x.Clone();
        Gelu.Forward(y, y);
        Assert.Equal(expected, y);

        Relu.Forward(x, expected);
        y = (float[])x.Clone();
        Relu.Forward(y, y);
        Assert.Equal(expected, y);
    }

    [Fact]
    public void ShortOutput_IsRejected()
    {
        var x = new float[10];
        var y = new float[9];
        Assert.Contains("y holds 9", Assert.Throws<ArgumentException>(() => Relu.Forward(x, y)).Message);
        Assert.Throws<ArgumentException>(() => QuickGelu.Forward(x, y));
        Assert.Throws<ArgumentException>(() => Gelu.Forward(x, y));
    }
}

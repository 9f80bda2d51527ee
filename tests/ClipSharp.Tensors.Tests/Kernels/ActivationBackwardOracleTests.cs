using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// The activation gradients at every width against the double oracle. Relu's must be exact; the others to
// 1e-5 relative plus 2e-6·|dy| absolute: the derivatives cross zero (GELU's near x = −0.75), and
// σ·(1 + 1.702x(1 − σ)) forms 1 − σ in float, good to ~6e-8 absolute, which 1.702x then scales.
public sealed class ActivationBackwardOracleTests
{
    private const double Rtol = 1e-5;
    private const double Atol = 2e-6;

    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void ReluBackward_MatchesOracleExactly_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(15);
        for (int n = 0; n <= 256; n++)
        {
            float[] y = KernelTestKit.Uniform(random, n, -4f, 4f);
            float[] dy = KernelTestKit.Uniform(random, n, -1f, 1f);
            var expected = new float[n];
            var actual = new float[n];
            ActivationReference.ReluBackward(y, dy, expected);
            ReluBackward.Backward(y, dy, actual, isa);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QuickGeluBackward_MatchesOracle_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(16);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = KernelTestKit.Uniform(random, n, -8f, 8f);
            float[] dy = KernelTestKit.Uniform(random, n, -1f, 1f);
            var expected = new float[n];
            var actual = new float[n];
            ActivationReference.QuickGeluBackward(x, dy, expected);
            QuickGeluBackward.Backward(x, dy, actual, isa);
            KernelTestKit.Close(expected, actual, Rtol, Atol, $"QuickGeluBackward {isaName} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void GeluBackward_MatchesOracle_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(17);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = KernelTestKit.Uniform(random, n, -8f, 8f);
            float[] dy = KernelTestKit.Uniform(random, n, -1f, 1f);
            var expected = new float[n];
            var actual = new float[n];
            ActivationReference.GeluBackward(x, dy, expected);
            GeluBackward.Backward(x, dy, actual, isa);
            KernelTestKit.Close(expected, actual, Rtol, Atol, $"GeluBackward {isaName} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Backwards_AreFiniteAtTheExtremes(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = [-1e6f, -200f, -100f, -30f, 0f, 30f, 100f, 200f, 1e6f, float.MaxValue, float.MinValue, -0f, 1f, -1f, 2f, -2f, 3f];
        float[] dy = [.. x.Select(_ => 1f)];
        var dx = new float[x.Length];
        foreach (Action run in (Action[])[() => QuickGeluBackward.Backward(x, dy, dx, isa), () => GeluBackward.Backward(x, dy, dx, isa)])
        {
            run();
            Assert.All(dx, v => Assert.True(float.IsFinite(v), $"{isaName}: {string.Join(", ", dx)}"));
        }
    }
}

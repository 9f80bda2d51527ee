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
        ForEveryLength(15, -4f, 4f, (x, dy, dx) => ActivationReference.ReluBackward(x, dy, dx), (y, dy, dx) => ReluBackward.Backward(y, dy, dx, isa), (expected, actual, _) => Assert.Equal(expected, actual));
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QuickGeluBackward_MatchesOracle_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        ForEveryLength(
            16, -8f, 8f, (x, dy, dx) => ActivationReference.QuickGeluBackward(x, dy, dx), (x, dy, dx) => QuickGeluBackward.Backward(x, dy, dx, isa),
            (expected, actual, n) => KernelTestKit.Close(expected, actual, Rtol, Atol, $"QuickGeluBackward {isaName} n={n}"));
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void GeluBackward_MatchesOracle_ForEveryLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        ForEveryLength(
            17, -8f, 8f, (x, dy, dx) => ActivationReference.GeluBackward(x, dy, dx), (x, dy, dx) => GeluBackward.Backward(x, dy, dx, isa),
            (expected, actual, n) => KernelTestKit.Close(expected, actual, Rtol, Atol, $"GeluBackward {isaName} n={n}"));
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

    // For n = 0 … 256: inputs in [low, high], upstream gradients in [−1, 1], the oracle's dx against the kernel's.
    private static void ForEveryLength(
        int seed, float low, float high, Action<float[], float[], float[]> oracle, Action<float[], float[], float[]> kernel,
        Action<float[], float[], int> compare)
    {
        var random = new Random(seed);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = KernelTestKit.Uniform(random, n, low, high);
            float[] dy = KernelTestKit.Uniform(random, n, -1f, 1f);
            var expected = new float[n];
            var actual = new float[n];
            oracle(x, dy, expected);
            kernel(x, dy, actual);
            compare(expected, actual, n);
        }
    }
}

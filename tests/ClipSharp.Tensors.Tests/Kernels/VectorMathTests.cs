using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Reference;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Tests.Kernels;

// The vector exp and erf behind the activations and softmax, per ISA, against double precision.
public sealed class VectorMathTests
{
    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void Exp_IsWithinTwoUlpOverTheNormalRange(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = Sweep(-87f, 88.7f, 40000);
        float[] actual = Apply(x, isa, default(ExpOperator));
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i]);
            Assert.True(Math.Abs(actual[i] - expected) <= 2.4e-7 * expected, $"exp({x[i]:R}) = {actual[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Exp_HandlesTheEdgesOfItsRange(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = [-200f, -105f, -103f, -100f, -90f, 88.72f, 88.73f, 89f, 1000f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, 0f, -0f];
        float[] actual = Apply(x, isa, default(ExpOperator));
        for (int i = 0; i < x.Length; i++)
        {
            float expected = (float)Math.Exp(x[i]);

            // Subnormal results keep about 1e-45 absolute accuracy.
            Assert.True(
                expected.Equals(actual[i]) || Math.Abs(actual[i] - expected) <= (2.4e-7 * expected) + 3e-45,
                $"exp({x[i]:R}) = {actual[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Erf_MatchesTheOracle(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = Sweep(-7f, 7f, 28001);
        float[] actual = Apply(x, isa, default(ErfOperator));
        for (int i = 0; i < x.Length; i++)
        {
            double expected = ActivationReference.Erf(x[i]);

            // A few ulp of the result, and near 0 a few ulp relative.
            Assert.True(Math.Abs(actual[i] - expected) <= 3e-7 * Math.Abs(expected), $"erf({x[i]:R}) = {actual[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Erf_HandlesInfinityAndNaN(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, 30f, -30f, 0f];
        float[] actual = Apply(x, isa, default(ErfOperator));
        Assert.Equal([1f, -1f, float.NaN, 1f, -1f, 0f], actual);
    }

    private static float[] Sweep(float low, float high, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = low + ((high - low) * i / (count - 1));
        }

        return x;
    }

    // Runs op on the chosen width; the input is padded to whole vectors so that no element reaches the scalar tail.
    private static float[] Apply<TOp>(float[] x, KernelIsa isa, TOp op)
        where TOp : struct, IUnaryOperator
    {
        int width = isa switch
        {
            KernelIsa.Vector512 => Vector512<float>.Count,
            KernelIsa.Vector256 => Vector256<float>.Count,
            KernelIsa.Vector128 => Vector128<float>.Count,
            _ => 1,
        };
        var padded = new float[(x.Length + width - 1) / width * width];
        x.CopyTo(padded, 0);
        var y = new float[padded.Length];
        UnaryMap.Run(op, ref padded[0], ref y[0], padded.Length, isa);
        return y[..x.Length];
    }
}

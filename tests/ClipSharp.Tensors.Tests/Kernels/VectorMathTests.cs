using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// The vector exp and erf behind the activations and softmax, per ISA, against double precision.
public sealed class VectorMathTests
{
    public static TheoryData<string> Isas => new("Scalar", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void Exp_IsWithinTwoUlpOverTheNormalRange(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = Sweep(-87f, 88.7f, 40000);
        float[] actual = Apply(x, isa, VectorExp.Exp, VectorExp.Exp, VectorExp.Exp);
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
        float[] actual = Apply(x, isa, VectorExp.Exp, VectorExp.Exp, VectorExp.Exp);
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
        float[] actual = Apply(x, isa, VectorErf.Erf, VectorErf.Erf, VectorErf.Erf);
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
        float[] actual = Apply(x, isa, VectorErf.Erf, VectorErf.Erf, VectorErf.Erf);
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

    // Runs f lane-wise on the chosen width; the input is padded to whole vectors.
    private static float[] Apply(
        float[] x, KernelIsa isa,
        Func<Vector512<float>, Vector512<float>> f512, Func<Vector256<float>, Vector256<float>> f256, Func<float, float> f)
    {
        int width = isa switch
        {
            KernelIsa.Vector512 => Vector512<float>.Count,
            KernelIsa.Vector256 => Vector256<float>.Count,
            _ => 1,
        };
        var padded = new float[(x.Length + width - 1) / width * width];
        x.CopyTo(padded, 0);
        var y = new float[padded.Length];
        for (int i = 0; i < padded.Length; i += width)
        {
            switch (isa)
            {
                case KernelIsa.Vector512:
                    f512(Vector512.Create(padded.AsSpan(i))).CopyTo(y.AsSpan(i));
                    break;
                case KernelIsa.Vector256:
                    f256(Vector256.Create(padded.AsSpan(i))).CopyTo(y.AsSpan(i));
                    break;
                default:
                    y[i] = f(padded[i]);
                    break;
            }
        }

        return y[..x.Length];
    }
}

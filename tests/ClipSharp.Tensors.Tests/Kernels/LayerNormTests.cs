using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// LayerNorm against the double oracle: 2e-6 relative plus 2e-6 absolute (outputs are O(1), and
// the float32 mean/variance are what PyTorch computes too).
public sealed class LayerNormTests
{
    private const double Rtol = 2e-6;
    private const double Atol = 2e-6;

    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void MatchesOracle_ForEveryRowLength(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(31);
        foreach (int rows in (int[])[1, 5])
        {
            for (int cols = 1; cols <= 256; cols++)
            {
                float[] x = KernelTestKit.Uniform(random, rows * cols, -3f, 3f);
                float[] weight = KernelTestKit.Uniform(random, cols, 0.5f, 1.5f);
                float[] bias = KernelTestKit.Uniform(random, cols, -0.5f, 0.5f);
                var expected = new float[x.Length];
                var actual = new float[x.Length];
                LayerNormReference.Forward(x, weight, bias, expected, rows, cols);
                LayerNorm.Forward(x, weight, bias, actual, rows, cols, 1e-5f, isa);
                KernelTestKit.Close(expected, actual, Rtol, Atol, $"layernorm {isaName} rows={rows} cols={cols}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void LargeOffset_SmallSpread_KeepsPrecision(string isaName)
    {
        // A one-pass E[x²] − E[x]² would lose most digits here; the two-pass variance does not.
        KernelIsa isa = KernelTestKit.Isa(isaName);
        const int rows = 7, cols = 768;
        float[] x = KernelTestKit.Uniform(new Random(32), rows * cols, 99f, 101f);
        float[] weight = KernelTestKit.Uniform(new Random(33), cols, 0.5f, 1.5f);
        var bias = new float[cols];
        var expected = new float[x.Length];
        var actual = new float[x.Length];
        LayerNormReference.Forward(x, weight, bias, expected, rows, cols);
        LayerNorm.Forward(x, weight, bias, actual, rows, cols, 1e-5f, isa);
        // A float32 mean near 100 is only exact to ulp(100)/2 ≈ 3.8e-6, i.e. ≈ 7e-6 of the 0.58 spread.
        KernelTestKit.Close(expected, actual, 1e-5, 1e-5, $"offset {isaName}");
    }

    [Fact]
    public void ManyRows_InPlace_MatchesOracle()
    {
        // Enough work to run on several threads.
        const int rows = 200, cols = 512;
        var random = new Random(34);
        float[] x = KernelTestKit.Uniform(random, rows * cols, -2f, 2f);
        float[] weight = KernelTestKit.Uniform(random, cols, 0.5f, 1.5f);
        float[] bias = KernelTestKit.Uniform(random, cols, -0.5f, 0.5f);
        var expected = new float[x.Length];
        LayerNormReference.Forward(x, weight, bias, expected, rows, cols);
        LayerNorm.Forward(x, weight, bias, x, rows, cols);
        KernelTestKit.Close(expected, x, Rtol, Atol, "in place");
    }

    [Fact]
    public void BadShapes_AreRejected()
    {
        var x = new float[12];
        Assert.Contains("weight holds 3", Assert.Throws<ArgumentException>(() => LayerNorm.Forward(x, new float[3], new float[4], x, 3, 4)).Message);
        Assert.Contains("bias holds 2", Assert.Throws<ArgumentException>(() => LayerNorm.Forward(x, new float[4], new float[2], x, 3, 4)).Message);
        Assert.Contains("x holds 12", Assert.Throws<ArgumentException>(() => LayerNorm.Forward(x, new float[5], new float[5], new float[15], 3, 5)).Message);
    }
}

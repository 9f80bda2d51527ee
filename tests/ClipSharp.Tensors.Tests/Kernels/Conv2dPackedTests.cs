using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// The packed-weight convolution against the double oracle run on the dequantised weight, bound relative to
// Σ|w·x| + |b| as in Conv2dTests.
public sealed class Conv2dPackedTests
{
    // (N, C, H, W, O, K, stride, padding): 1×1 direct, strided, padded, and the ViT patch conv.
    private static readonly (int N, int C, int H, int W, int O, int K, int Stride, int Padding)[] s_shapes =
    [
        (2, 3, 5, 7, 4, 1, 1, 0),
        (1, 8, 9, 9, 70, 1, 2, 0),
        (2, 3, 6, 6, 5, 3, 1, 1),
        (1, 4, 7, 5, 17, 3, 2, 1),
        (2, 3, 16, 16, 8, 8, 8, 0),
        (3, 3, 32, 32, 65, 8, 8, 0),
    ];

    public static TheoryData<int, int, int, int, int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, int>();
        foreach ((int n, int c, int h, int w, int o, int k, int stride, int padding) in s_shapes)
        {
            data.Add(n, c, h, w, o, k, stride, padding);
        }

        return data;
    }

    // Every shape on every instruction set (by name: the enum is internal to the engine).
    public static TheoryData<string, int, int, int, int, int, int, int, int> IsasAndShapes()
    {
        var data = new TheoryData<string, int, int, int, int, int, int, int, int>();
        foreach (string isa in Enum.GetNames<KernelIsa>())
        {
            foreach ((int n, int c, int h, int w, int o, int k, int stride, int padding) in s_shapes)
            {
                data.Add(isa, n, c, h, w, o, k, stride, padding);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IsasAndShapes))]
    public void MatchesOracle_OnTheDequantisedWeight(string isaName, int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random((n * 131) + (c * 17) + (o * 3) + k);
        int oh = Conv2d.OutputSize(h, k, stride, padding);
        int ow = Conv2d.OutputSize(w, k, stride, padding);
        float[] x = KernelTestKit.Uniform(random, n * c * h * w, -1f, 1f);
        var q = new sbyte[o * c * k * k];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = (sbyte)random.Next(-127, 128);
        }

        float[] scales = KernelTestKit.Uniform(random, o, 0.001f, 0.01f);
        Half[] halves = Array.ConvertAll(KernelTestKit.Uniform(random, o * c * k * k, -0.5f, 0.5f), v => (Half)v);
        float[] bias = KernelTestKit.Uniform(random, o, -0.2f, 0.2f);
        float[] singles = KernelTestKit.Uniform(random, o * c * k * k, -0.5f, 0.5f);
        PackedWeight[] weights =
        [
            PackedWeight.FromInt8(q, scales, o, c * k * k, inputMajor: false, isa),
            PackedWeight.FromFloat16(halves, o, c * k * k, inputMajor: false, isa),
            PackedWeight.FromFloat32(singles, o, c * k * k, inputMajor: false, isa),
        ];
        foreach (PackedWeight weight in weights)
        {
            float[] dense = weight.Dequantize();
            foreach (float[] b in (float[][])[bias, []])
            {
                var expected = new float[n * o * oh * ow];
                var magnitude = new float[expected.Length];
                float[] actual = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
                Conv2dReference.Forward(x, dense, b, expected, n, c, h, w, o, k, k, stride, padding);
                Conv2dReference.Forward(KernelTestKit.Abs(x), KernelTestKit.Abs(dense), KernelTestKit.Abs(b), magnitude, n, c, h, w, o, k, k, stride, padding);
                Conv2dPacked.Forward(x, weight, b, actual, n, c, h, w, k, stride, padding, isa);
                KernelTestKit.CloseScaled(expected, actual, magnitude, 1e-5, $"{isa} {weight.Precision} conv bias={b.Length > 0}");
            }
        }
    }

    // A float32 weight packed in advance gives the unpacked convolution's output bit for bit: every output is the
    // same k-ordered sum of the same products in the same micro-kernel, with the weight as B instead of A.
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_EqualsTheUnpackedConvolution_BitForBit(int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        var random = new Random((n * 7) + (c * 11) + (o * 5) + k);
        int oh = Conv2d.OutputSize(h, k, stride, padding);
        int ow = Conv2d.OutputSize(w, k, stride, padding);
        float[] x = KernelTestKit.Uniform(random, n * c * h * w, -1f, 1f);
        float[] weight = KernelTestKit.Uniform(random, o * c * k * k, -0.5f, 0.5f);
        float[] bias = KernelTestKit.Uniform(random, o, -0.2f, 0.2f);
        PackedWeight packed = PackedWeight.FromFloat32(weight, o, c * k * k);
        foreach (float[] b in (float[][])[bias, []])
        {
            var expected = new float[n * o * oh * ow];
            float[] actual = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
            Conv2d.Forward(x, weight, b, expected, n, c, h, w, o, k, k, stride, padding);
            Conv2dPacked.Forward(x, packed, b, actual, n, c, h, w, k, stride, padding);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void AWeightOfTheWrongDepth_IsRejected()
    {
        PackedWeight weight = PackedWeight.FromFloat16(new Half[4 * 3 * 9], 4, 27);
        Assert.Contains("C·K·K = 3·2·2 = 12", Assert.Throws<ArgumentException>(
            () => Conv2dPacked.Forward(new float[3 * 4 * 4], weight, [], new float[4 * 9], 1, 3, 4, 4, 2, 1, 0)).Message);
    }
}

using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class PackedGemmTests
{
    // Tails in every dimension: m, n, k around the tile sizes (6/8/4 rows, 64/16/12/4 columns) and KC = 512 / 256.
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (1, 1, 1), (1, 7, 3), (3, 5, 17), (6, 64, 8), (7, 65, 9), (13, 129, 31), (50, 100, 77), (1, 300, 33),
        (5, 17, 513), (64, 16, 1), (2, 127, 600), (8, 12, 4), (9, 13, 5), (17, 25, 257), (16, 24, 258),
    ];

    private static readonly (int M, int N, int K)[] s_largeShapes = [(200, 130, 600), (97, 600, 129), (140, 70, 1100)];

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string isa in Enum.GetNames<KernelIsa>())
        {
            foreach (string precision in Enum.GetNames<WeightPrecision>())
            {
                data.Add(isa, precision, false);
                data.Add(isa, precision, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsSgemmOnTheDequantisedWeight_AndTheOracle(string isaName, string precisionName, bool transA)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        WeightPrecision precision = Enum.Parse<WeightPrecision>(precisionName);
        int seed = 0;
        foreach ((int m, int n, int k) in s_shapes)
        {
            foreach (GemmPath path in new[] { GemmPath.Auto, GemmPath.RowBlocks, GemmPath.ColumnPanels })
            {
                Check(isa, precision, transA, m, n, k, path, threads: 1, seed++);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LargeShapes_OneAndTwoThreads_AgreeBitForBit(string isaName, string precisionName, bool transA)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        WeightPrecision precision = Enum.Parse<WeightPrecision>(precisionName);
        int seed = 500;
        foreach ((int m, int n, int k) in s_largeShapes)
        {
            foreach (GemmPath path in new[] { GemmPath.RowBlocks, GemmPath.ColumnPanels })
            {
                float[] one = Check(isa, precision, transA, m, n, k, path, threads: 1, seed);
                float[] two = Check(isa, precision, transA, m, n, k, path, threads: 2, seed);
                Assert.Equal(one, two);
            }

            seed++;
        }
    }

    [Fact]
    public void EveryHalf_WidensExactly()
    {
        // All 65536 bit patterns as one [k, nr] panel: every finite value, ±0, subnormals, ±inf and NaNs. The first
        // 128 come round again so that the count (342 · 192) is whole panels of every width.
        var bits = new ushort[65664];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)i;
        }

        foreach (int nr in new[] { 4, 12, 16, 64 })
        {
            var widened = new float[bits.Length];
            Widen(bits, nr, widened);
            for (int i = 0; i < bits.Length; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
                if (float.IsNaN(expected))
                {
                    Assert.True(float.IsNaN(widened[i]), $"nr={nr}: half 0x{bits[i]:X4} is NaN, widened to {widened[i]}");
                }
                else
                {
                    Assert.True(
                        BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(widened[i]),
                        $"nr={nr}: half 0x{bits[i]:X4} = {expected:R}, widened to {widened[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void Dequantize_GivesTheStoredValues_InEitherOrientation()
    {
        var rng = new Random(7);
        int n = 70, k = 9;
        sbyte[] q = RandomInt8(rng, n * k);
        float[] scales = KernelTestKit.Uniform(rng, n, 0.001f, 0.1f);
        PackedWeight w = PackedWeight.FromInt8(q, scales, n, k);
        float[] outMajor = w.Dequantize();
        float[] inMajor = w.Dequantize(inputMajor: true);
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < k; p++)
            {
                Assert.Equal(q[(j * k) + p] * scales[j], outMajor[(j * k) + p]);
                Assert.Equal(q[(j * k) + p] * scales[j], inMajor[(p * n) + j]);
            }
        }

        // Packing the [in, out] copy gives the same weight.
        var transposed = new sbyte[n * k];
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < k; p++)
            {
                transposed[(p * n) + j] = q[(j * k) + p];
            }
        }

        Assert.Equal(outMajor, PackedWeight.FromInt8(transposed, scales, n, k, inputMajor: true).Dequantize());
        Assert.Equal(WeightPrecision.Int8, w.Precision);
        Assert.True(w.ByteCount >= n * k);
    }

    [Fact]
    public void Float32_Dequantize_GivesTheWeightBack_InEitherOrientation_ForEveryIsa()
    {
        var rng = new Random(11);
        int n = 70, k = 9;
        float[] w = KernelTestKit.Uniform(rng, n * k, -1f, 1f);
        float[] transposed = Transpose(w, n, k);
        foreach (KernelIsa isa in Enum.GetValues<KernelIsa>().Where(KernelIsas.IsSupported))
        {
            PackedWeight packed = PackedWeight.FromFloat32(w, n, k, inputMajor: false, isa);
            Assert.Equal(WeightPrecision.Float32, packed.Precision);
            Assert.Equal(w, packed.Dequantize());
            Assert.Equal(transposed, packed.Dequantize(inputMajor: true));
            Assert.Equal(w, PackedWeight.FromFloat32(transposed, n, k, inputMajor: true, isa).Dequantize());
            Assert.True(packed.ByteCount >= (long)n * k * sizeof(float));
        }
    }

    [Fact]
    public void BadArguments_AreRejected_WithTheReason()
    {
        Assert.Contains("holds 6 values", Assert.Throws<ArgumentException>(() => PackedWeight.FromFloat32(new float[5], 2, 3)).Message);
        var q = new sbyte[6];
        Assert.Contains("scales must be finite", Assert.Throws<ArgumentException>(() => PackedWeight.FromInt8(q, [1f, float.NaN], 2, 3)).Message);
        Assert.Contains("needs 2 scales", Assert.Throws<ArgumentException>(() => PackedWeight.FromInt8(q, [1f], 2, 3)).Message);
        Assert.Contains("holds 6 values", Assert.Throws<ArgumentException>(() => PackedWeight.FromFloat16(new Half[5], 2, 3)).Message);

        PackedWeight w = PackedWeight.FromFloat16(new Half[6], 2, 3, inputMajor: false, KernelIsa.Scalar);
        var c = new float[4];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.SgemmPacked(false, 2, 1f, new float[5], 3, w, 0f, c, 2, KernelIsa.Scalar, 1)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.SgemmPacked(false, 2, 1f, new float[6], 3, w, 0f, new float[3], 2, KernelIsa.Scalar, 1)).ParamName);
        if (KernelIsas.IsSupported(KernelIsa.Vector256))
        {
            Assert.Contains("panels of 4 columns", Assert.Throws<ArgumentException>(
                () => Gemm.SgemmPacked(false, 2, 1f, new float[6], 3, w, 0f, c, 2, KernelIsa.Vector256, 1)).Message);
        }

        if (KernelIsas.IsSupported(KernelIsa.Vector128))
        {
            Assert.Contains("panels of 4 columns", Assert.Throws<ArgumentException>(
                () => Gemm.SgemmPacked(false, 2, 1f, new float[6], 3, w, 0f, c, 2, KernelIsa.Vector128, 1)).Message);
            PackedWeight twelve = PackedWeight.FromFloat16(new Half[6], 2, 3, inputMajor: false, KernelIsa.Vector128);
            Assert.Contains("panels of 12 columns", Assert.Throws<ArgumentException>(
                () => Gemm.SgemmPacked(false, 2, 1f, new float[6], 3, twelve, 0f, c, 2, KernelIsa.Scalar, 1)).Message);
        }
    }

    private static unsafe void Widen(ushort[] bits, int nr, float[] destination)
    {
        int k = bits.Length / nr;
        fixed (ushort* b = bits)
        fixed (float* d = destination)
        {
            // One panel of [k, nr]: the stored layout and the widened one coincide.
            new GemmPackedB((byte*)b, null, WeightPrecision.Float16, k, nr).Unpack(0, 1, 0, k, d);
        }
    }

    // One case: bit-equal to SGEMM on the dequantised weight (the same float values through the same kernel), and
    // within float rounding of the dequantise-then-reference oracle.
    private static float[] Check(KernelIsa isa, WeightPrecision precision, bool transA, int m, int n, int k, GemmPath path, int threads, int seed)
    {
        var rng = new Random(seed);
        int lda = (transA ? m : k) + (seed % 3);
        int ldc = n + (seed % 2);
        float[] a = KernelTestKit.Uniform(rng, ((transA ? k : m) * lda) + 3, -1f, 1f);
        float beta = seed % 2 == 0 ? 0f : 0.5f;
        float alpha = seed % 3 == 0 ? 1f : -1.5f;
        float[] c0 = beta == 0f ? Enumerable.Repeat(float.NaN, m * ldc).ToArray() : KernelTestKit.Uniform(rng, m * ldc, -1f, 1f);

        PackedWeight weight;
        float[] oracle = (float[])c0.Clone();
        float[]? original = null;
        if (precision == WeightPrecision.Float32)
        {
            // Odd seeds pack from the [in, out] copy (as visual.proj is stored): the same panels either way.
            original = KernelTestKit.Uniform(rng, n * k, -1f, 1f);
            weight = seed % 2 == 0
                ? PackedWeight.FromFloat32(original, n, k, inputMajor: false, isa)
                : PackedWeight.FromFloat32(Transpose(original, n, k), n, k, inputMajor: true, isa);
            GemmReference.Sgemm(transA, true, m, n, k, alpha, a, lda, original, k, beta, oracle, ldc);
        }
        else if (precision == WeightPrecision.Float16)
        {
            Half[] w = Array.ConvertAll(KernelTestKit.Uniform(rng, n * k, -1f, 1f), x => (Half)x);
            weight = PackedWeight.FromFloat16(w, n, k, inputMajor: false, isa);
            PackedGemmReference.SgemmFloat16(transA, m, n, k, alpha, a, lda, w, beta, oracle, ldc);
        }
        else
        {
            sbyte[] q = RandomInt8(rng, n * k);
            float[] scales = KernelTestKit.Uniform(rng, n, 0.001f, 0.05f);
            weight = PackedWeight.FromInt8(q, scales, n, k, inputMajor: false, isa);
            PackedGemmReference.SgemmInt8(transA, m, n, k, alpha, a, lda, q, scales, beta, oracle, ldc);
        }

        float[] actual = (float[])c0.Clone();
        Gemm.SgemmPacked(transA, m, alpha, a, lda, weight, beta, actual, ldc, isa, threads, path);

        float[] dense = weight.Dequantize();
        if (original is not null)
        {
            Assert.Equal(original, dense);
        }

        // For float32 this is SGEMM on the very weight it was packed from, packing op(B) on the call as usual.
        float[] expected = (float[])c0.Clone();
        Gemm.Sgemm(transA, true, m, n, k, alpha, a, lda, dense, k, beta, expected, ldc, isa, threads, path);

        string context = $"{isa} {precision} transA={transA} m={m} n={n} k={k} {path} threads={threads}";
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int at = (i * ldc) + j;
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[at]) == BitConverter.SingleToInt32Bits(actual[at]),
                    $"{context}: C[{i},{j}] = {actual[at]:R}, SGEMM on the dequantised weight {expected[at]:R}");

                double magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    magnitude += Math.Abs((double)av * dense[(j * k) + p]);
                }

                double prior = beta == 0f ? 0 : Math.Abs((double)beta * c0[at]);
                double tolerance = (1e-5 * ((Math.Abs(alpha) * magnitude) + prior)) + 1e-6;
                Assert.True(
                    Math.Abs((double)actual[at] - oracle[at]) <= tolerance,
                    $"{context}: C[{i},{j}] = {actual[at]:R}, oracle {oracle[at]:R}");
            }

            for (int j = n; j < ldc; j++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(c0[(i * ldc) + j]), BitConverter.SingleToInt32Bits(actual[(i * ldc) + j]));
            }
        }

        return actual;
    }

    private static T[] Transpose<T>(T[] source, int rows, int cols)
    {
        var result = new T[source.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                result[(c * rows) + r] = source[(r * cols) + c];
            }
        }

        return result;
    }

    private static sbyte[] RandomInt8(Random rng, int count)
    {
        var q = new sbyte[count];
        for (int i = 0; i < count; i++)
        {
            q[i] = (sbyte)rng.Next(-127, 128);
        }

        return q;
    }
}

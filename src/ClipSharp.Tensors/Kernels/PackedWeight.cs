using System.Runtime.InteropServices;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// A layer's weight W [out, in] in reduced precision, laid out once as the GEMM's packed op(B) = Wᵀ [in, out]:
/// ⌈out / NR⌉ panels of [in, NR] (NR = the micro-kernel's tile width, output channels past <c>out</c> are zero).
/// <c>Gemm.SgemmPacked</c> widens one block of a panel to float32 right before the micro-kernel reads it,
/// so the weight stays 2× (f16) or 4× (int8) smaller in memory than float32 for the whole life of the model.
/// </summary>
public sealed class PackedWeight
{
    private readonly byte[] _data;
    private readonly float[] _scales;

    private PackedWeight(WeightPrecision precision, int outFeatures, int inFeatures, int nr, byte[] data, float[] scales)
    {
        Precision = precision;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Nr = nr;
        _data = data;
        _scales = scales;
    }

    public WeightPrecision Precision { get; }

    /// <summary>Output channels: the n of the product (columns of C).</summary>
    public int OutFeatures { get; }

    /// <summary>Input channels: the k of the product.</summary>
    public int InFeatures { get; }

    /// <summary>Bytes held (panels and scales), for memory accounting.</summary>
    public long ByteCount => _data.LongLength + ((long)_scales.Length * sizeof(float));

    /// <summary>The panel width this weight was packed for (the kernel's NR).</summary>
    internal int Nr { get; }

    internal int Panels => (OutFeatures + Nr - 1) / Nr;

    internal byte[] Data => _data;

    /// <summary>Per packed column (⌈out / NR⌉·NR entries, zero past <c>out</c>); empty for f16.</summary>
    internal float[] Scales => _scales;

    /// <summary>
    /// Packs half-precision values for the fastest GEMM this CPU runs. weight: [out, in], or [in, out] with
    /// inputMajor (as <c>visual.proj</c> is stored).
    /// </summary>
    public static PackedWeight FromFloat16(ReadOnlySpan<Half> weight, int outFeatures, int inFeatures, bool inputMajor = false)
        => FromFloat16(weight, outFeatures, inFeatures, inputMajor, KernelIsas.Best);

    /// <summary>
    /// Packs symmetric int8 values with one finite scale per output channel (value = q · scales[out]).
    /// weight: [out, in], or [in, out] with inputMajor; scales: [out].
    /// </summary>
    public static PackedWeight FromInt8(
        ReadOnlySpan<sbyte> weight, ReadOnlySpan<float> scales, int outFeatures, int inFeatures, bool inputMajor = false)
        => FromInt8(weight, scales, outFeatures, inFeatures, inputMajor, KernelIsas.Best);

    internal static PackedWeight FromFloat16(
        ReadOnlySpan<Half> weight, int outFeatures, int inFeatures, bool inputMajor, KernelIsa isa)
    {
        CheckShape(weight.Length, outFeatures, inFeatures, nameof(weight));
        int nr = NrOf(isa);
        var packed = new PackedWeight(WeightPrecision.Float16, outFeatures, inFeatures, nr, Allocate(outFeatures, inFeatures, nr, sizeof(ushort)), []);
        Span<Half> dst = MemoryMarshal.Cast<byte, Half>(packed._data.AsSpan());
        Scatter(weight, dst, outFeatures, inFeatures, nr, inputMajor);
        return packed;
    }

    internal static PackedWeight FromInt8(
        ReadOnlySpan<sbyte> weight, ReadOnlySpan<float> scales, int outFeatures, int inFeatures, bool inputMajor, KernelIsa isa)
    {
        CheckShape(weight.Length, outFeatures, inFeatures, nameof(weight));
        if (scales.Length != outFeatures)
        {
            throw new ArgumentException($"int8 weight [{outFeatures} out, {inFeatures} in] needs {outFeatures} scales, got {scales.Length}.", nameof(scales));
        }

        for (int j = 0; j < scales.Length; j++)
        {
            if (!float.IsFinite(scales[j]))
            {
                throw new ArgumentException($"int8 weight scale {j} is {scales[j]}; scales must be finite.", nameof(scales));
            }
        }

        int nr = NrOf(isa);
        byte[] data = Allocate(outFeatures, inFeatures, nr, sizeof(sbyte));
        var paddedScales = new float[(outFeatures + nr - 1) / nr * nr];
        scales.CopyTo(paddedScales);
        var packed = new PackedWeight(WeightPrecision.Int8, outFeatures, inFeatures, nr, data, paddedScales);
        Scatter(weight, MemoryMarshal.Cast<byte, sbyte>(data.AsSpan()), outFeatures, inFeatures, nr, inputMajor);
        return packed;
    }

    /// <summary>The float32 values the GEMM multiplies with: [out, in], or [in, out] with <paramref name="inputMajor"/>.</summary>
    public float[] Dequantize(bool inputMajor = false)
    {
        int n = OutFeatures;
        int k = InFeatures;
        var result = new float[(long)n * k];
        ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(_data);
        ReadOnlySpan<sbyte> bytes = MemoryMarshal.Cast<byte, sbyte>(_data);
        for (int j = 0; j < n; j++)
        {
            long panel = (long)(j / Nr) * k * Nr;
            int column = j % Nr;
            for (int p = 0; p < k; p++)
            {
                long at = panel + ((long)p * Nr) + column;
                float value = Precision == WeightPrecision.Float16 ? (float)halves[(int)at] : bytes[(int)at] * _scales[j];
                result[inputMajor ? ((long)p * n) + j : ((long)j * k) + p] = value;
            }
        }

        return result;
    }

    internal static int NrOf(KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => GemmMicroKernelAvx512.Nr,
        KernelIsa.Vector256 => GemmMicroKernelAvx2.Nr,
        _ => GemmMicroKernelScalar.Nr,
    };

    private static void CheckShape(int length, int outFeatures, int inFeatures, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        if (length != (long)outFeatures * inFeatures)
        {
            throw new ArgumentException(
                $"a weight of {outFeatures} out × {inFeatures} in channels holds {(long)outFeatures * inFeatures} values, got {length}.", name);
        }
    }

    private static byte[] Allocate(int outFeatures, int inFeatures, int nr, int elementSize)
    {
        long bytes = (long)((outFeatures + nr - 1) / nr) * nr * inFeatures * elementSize;
        if (bytes > Array.MaxLength)
        {
            throw new ArgumentException($"a packed weight of {outFeatures} × {inFeatures} needs {bytes} bytes, more than one array holds.");
        }

        // Panels past the last output channel stay zero.
        return new byte[bytes];
    }

    // src: [out, in] (or [in, out]) -> dst: panels [in, nr] of output channels.
    private static void Scatter<T>(ReadOnlySpan<T> src, Span<T> dst, int n, int k, int nr, bool inputMajor)
    {
        for (int j = 0; j < n; j++)
        {
            int panel = j / nr * k * nr;
            int column = j % nr;
            for (int p = 0; p < k; p++)
            {
                dst[panel + (p * nr) + column] = src[inputMajor ? (p * n) + j : (j * k) + p];
            }
        }
    }
}

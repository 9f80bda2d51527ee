using System.Runtime.InteropServices;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// A layer's weight W [out, in], laid out once as the GEMM's packed op(B) = Wᵀ [in, out]:
/// ⌈out / NR⌉ panels of [in, NR] (NR = the micro-kernel's tile width, output channels past <c>out</c> are zero).
/// Reduced precision (f16, int8): <c>Gemm.SgemmPacked</c> widens one block of a panel to float32 right before the
/// micro-kernel reads it, so the weight stays 2× (f16) or 4× (int8) smaller in memory than float32 for the whole
/// life of the model. Float32: the panels are exactly what SGEMM would pack on every call, so the micro-kernel
/// reads them in place and no call packs the weight again.
/// </summary>
public sealed class PackedWeight
{
    // Float32 panels start on a cache line: each k step of a 64-wide panel is then 4 whole lines for the kernel's loads.
    private const int Float32Alignment = 64;

    private readonly byte[] _data;
    private readonly float[] _scales;

    private PackedWeight(WeightPrecision precision, int outFeatures, int inFeatures, int nr, byte[] data, int dataOffset, float[] scales)
    {
        Precision = precision;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Nr = nr;
        _data = data;
        DataOffset = dataOffset;
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

    /// <summary>Where the first panel starts in <see cref="Data"/>, in bytes (non-zero only to align float32 panels).</summary>
    internal int DataOffset { get; }

    /// <summary>Per packed column (⌈out / NR⌉·NR entries, zero past <c>out</c>); empty for f16 and float32.</summary>
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

    /// <summary>
    /// Packs single-precision values for the fastest GEMM this CPU runs, in the very panels SGEMM packs op(B) = Wᵀ
    /// into on each call: the product then equals <c>Gemm.Sgemm(false, true, ...)</c> on the same weight bit for
    /// bit. weight: [out, in], or [in, out] with inputMajor (as <c>visual.proj</c> is stored).
    /// </summary>
    public static PackedWeight FromFloat32(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, bool inputMajor = false)
        => FromFloat32(weight, outFeatures, inFeatures, inputMajor, KernelIsas.Best);

    internal static unsafe PackedWeight FromFloat32(
        ReadOnlySpan<float> weight, int outFeatures, int inFeatures, bool inputMajor, KernelIsa isa)
    {
        CheckShape(weight.Length, outFeatures, inFeatures, nameof(weight));
        int nr = NrOf(isa);
        long bytes = PanelBytes(outFeatures, inFeatures, nr, sizeof(float)) + Float32Alignment - 1;
        if (bytes > Array.MaxLength)
        {
            throw new ArgumentException($"a packed weight of {outFeatures} × {inFeatures} needs {bytes} bytes, more than one array holds.");
        }

        // Pinned, so the aligned offset found now stays aligned; GemmPackB writes every entry, zeros included.
        byte[] data = GC.AllocateUninitializedArray<byte>((int)bytes, pinned: true);
        fixed (byte* start = data)
        fixed (float* src = weight)
        {
            int offset = (int)((Float32Alignment - ((nint)start % Float32Alignment)) % Float32Alignment);
            int panels = (outFeatures + nr - 1) / nr;
            float* dst = (float*)(start + offset);

            // op(B) = Wᵀ: W [out, in] is B stored transposed (ldb = in); W [in, out] is B as stored (ldb = out).
            GemmPackB.Pack(!inputMajor, src, inputMajor ? outFeatures : inFeatures, inFeatures, outFeatures, nr, dst, 0, panels, isa != KernelIsa.Scalar);
            return new PackedWeight(WeightPrecision.Float32, outFeatures, inFeatures, nr, data, offset, []);
        }
    }

    internal static PackedWeight FromFloat16(
        ReadOnlySpan<Half> weight, int outFeatures, int inFeatures, bool inputMajor, KernelIsa isa)
    {
        CheckShape(weight.Length, outFeatures, inFeatures, nameof(weight));
        int nr = NrOf(isa);
        var packed = new PackedWeight(WeightPrecision.Float16, outFeatures, inFeatures, nr, Allocate(outFeatures, inFeatures, nr, sizeof(ushort)), 0, []);
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
        var packed = new PackedWeight(WeightPrecision.Int8, outFeatures, inFeatures, nr, data, 0, paddedScales);
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
        ReadOnlySpan<float> singles = Precision == WeightPrecision.Float32 ? MemoryMarshal.Cast<byte, float>(_data.AsSpan(DataOffset)) : default;
        for (int j = 0; j < n; j++)
        {
            long panel = (long)(j / Nr) * k * Nr;
            int column = j % Nr;
            for (int p = 0; p < k; p++)
            {
                long at = panel + ((long)p * Nr) + column;
                float value = Precision switch
                {
                    WeightPrecision.Float16 => (float)halves[(int)at],
                    WeightPrecision.Int8 => bytes[(int)at] * _scales[j],
                    _ => singles[(int)at],
                };
                result[inputMajor ? ((long)p * n) + j : ((long)j * k) + p] = value;
            }
        }

        return result;
    }

    internal static int NrOf(KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => GemmMicroKernelAvx512.Nr,
        KernelIsa.Vector256 => GemmMicroKernelAvx2.Nr,
        KernelIsa.Vector128 => GemmMicroKernelVector128.Nr,
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

    private static long PanelBytes(int outFeatures, int inFeatures, int nr, int elementSize)
        => (long)((outFeatures + nr - 1) / nr) * nr * inFeatures * elementSize;

    private static byte[] Allocate(int outFeatures, int inFeatures, int nr, int elementSize)
    {
        long bytes = PanelBytes(outFeatures, inFeatures, nr, elementSize);
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

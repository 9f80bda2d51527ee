using System.Buffers;
using System.Runtime.InteropServices;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Checkpoints;

/// <summary>
/// Which weights are stored in reduced precision and how: the large matrix weights (attention in/out
/// projections, MLP c_fc/c_proj, the attention pool's projections, every convolution as [O, C·K·K], and the towers'
/// output projections). Int8 is symmetric per output channel: q = round(w / s) in [-127, 127] with
/// s = max|w| / 127 stored as a float32 tensor <c>&lt;name&gt;_scale</c> of shape [out]. <c>visual.proj</c> and
/// <c>text_projection</c> are stored [in, out], so their output channels are columns. Embeddings, norms, biases
/// and <c>logit_scale</c> always stay float32.
/// </summary>
public static class QuantizedWeights
{
    public const string ScaleSuffix = "_scale";

    public static string ScaleName(string name) => name + ScaleSuffix;

    /// <summary>True for the matrix weights that the converter quantises and an inference model keeps packed.</summary>
    public static bool IsQuantizable(string name, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (IsInputMajor(name))
        {
            return shape.Length == 2;
        }

        if (name.EndsWith("in_proj_weight", StringComparison.Ordinal))
        {
            return shape.Length == 2;
        }

        return name.EndsWith(".weight", StringComparison.Ordinal)
            && name != "token_embedding.weight"
            && shape.Length is 2 or 4;
    }

    /// <summary>True for the output projections, stored [in, out] (per output channel means per column).</summary>
    public static bool IsInputMajor(string name) => name is "visual.proj" or "text_projection";

    /// <summary>The weight as a matrix of output × input channels (a convolution's [O, C, K, K] as [O, C·K·K]).</summary>
    public static (int Out, int In) MatrixShape(string name, ReadOnlySpan<int> shape)
    {
        if (IsInputMajor(name))
        {
            return (shape[1], shape[0]);
        }

        int inputs = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            inputs *= shape[i];
        }

        return (shape[0], inputs);
    }

    /// <summary>Symmetric per-output-channel int8 of a float32 weight; a channel of zeros gets scale 0.</summary>
    public static (sbyte[] Values, float[] Scales) QuantizeInt8(string name, ReadOnlySpan<float> weight, ReadOnlySpan<int> shape)
    {
        (int n, int k) = MatrixShape(name, shape);
        bool inputMajor = IsInputMajor(name);
        var scales = new float[n];
        for (int i = 0; i < weight.Length; i++)
        {
            if (!float.IsFinite(weight[i]))
            {
                throw new CheckpointFormatException($"tensor '{name}' holds {weight[i]} at element {i}; only finite weights can be quantised.");
            }

            int j = inputMajor ? i % n : i / k;
            scales[j] = MathF.Max(scales[j], MathF.Abs(weight[i]));
        }

        for (int j = 0; j < n; j++)
        {
            scales[j] /= 127f;
        }

        var values = new sbyte[weight.Length];
        for (int i = 0; i < weight.Length; i++)
        {
            float s = scales[inputMajor ? i % n : i / k];
            values[i] = s == 0f ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(weight[i] / s), -127f, 127f);
        }

        return (values, scales);
    }

    /// <summary>value = q · scale[output channel], the float32 weight an int8 one stands for.</summary>
    public static void DequantizeInt8(string name, ReadOnlySpan<int> shape, ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, Span<float> destination)
    {
        (int n, int k) = MatrixShape(name, shape);
        bool inputMajor = IsInputMajor(name);
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = values[i] * scales[inputMajor ? i % n : i / k];
        }
    }

    /// <summary>Checks an int8 tensor's scale entry: present, floating point, shape [out], finite.</summary>
    internal static void CheckScaleHeader(IWeightSource source, string name, string stored, ISet<string> storedNames)
    {
        string scale = ScaleName(stored);
        int[] shape = source.Shape(stored);
        if (!IsQuantizable(name, shape))
        {
            throw new CheckpointFormatException(
                $"{source.Path}: tensor '{stored}' is int8 with shape [{string.Join(", ", shape)}], but only matrix weights (linear, convolution, projection) are stored as int8.");
        }

        if (!storedNames.Contains(scale))
        {
            throw new CheckpointFormatException($"{source.Path}: int8 tensor '{stored}' has no scale tensor '{scale}'.");
        }

        (int n, _) = MatrixShape(name, shape);
        int[] scaleShape = source.Shape(scale);
        if (scaleShape.Length != 1 || scaleShape[0] != n)
        {
            throw new CheckpointFormatException(
                $"{source.Path}: scale tensor '{scale}' is [{string.Join(", ", scaleShape)}]; int8 tensor '{stored}' needs [{n}] (one per output channel).");
        }

        if (!source.DType(scale).IsFloatingPoint())
        {
            throw new CheckpointFormatException($"{source.Path}: scale tensor '{scale}' has dtype {source.DType(scale)}, not a floating-point type.");
        }
    }

    internal static float[] ReadScales(IWeightSource source, string stored)
    {
        string scale = ScaleName(stored);
        float[] scales = source.ReadTensor(scale).ToArray();
        for (int j = 0; j < scales.Length; j++)
        {
            if (!float.IsFinite(scales[j]))
            {
                throw new CheckpointFormatException($"{source.Path}: scale tensor '{scale}' holds {scales[j]} for output channel {j}; scales must be finite.");
            }
        }

        return scales;
    }

    /// <summary>An int8 tensor as float32 (value = q · scale), into <paramref name="destination"/>.</summary>
    internal static void ReadDequantized(IWeightSource source, string name, string stored, Span<float> destination)
    {
        float[] scales = ReadScales(source, stored);
        DequantizeInt8(name, source.Shape(stored), MemoryMarshal.Cast<byte, sbyte>(source.RawBytes(stored)), scales, destination);
    }

    /// <summary>
    /// A stored matrix weight straight into the GEMM's packed layout, in the precision it is stored in (int8 never as
    /// a float32 copy); float32, bf16 and f64 weights are packed as float32.
    /// </summary>
    internal static PackedWeight ReadPacked(IWeightSource source, string name, string stored)
    {
        int[] shape = source.Shape(stored);
        (int n, int k) = MatrixShape(name, shape);
        bool inputMajor = IsInputMajor(name);
        SafeTensorsDType dtype = source.DType(stored);
        if (dtype == SafeTensorsDType.I8)
        {
            float[] scales = ReadScales(source, stored);
            return PackedWeight.FromInt8(MemoryMarshal.Cast<byte, sbyte>(source.RawBytes(stored)), scales, n, k, inputMajor);
        }

        if (source is SafeTensorsWeightSource && dtype == SafeTensorsDType.F16)
        {
            return PackedWeight.FromFloat16(MemoryMarshal.Cast<byte, Half>(source.RawBytes(stored)), n, k, inputMajor);
        }

        // Read as float32 into a scratch buffer, one tensor at a time, and packed from there. Float32 is read, not
        // copied out of a mapped file: pages touched through a mapping stay in the resident set until it is
        // unmapped, which would hold the model twice at the peak. f16 -> f32 -> f16 is exact, so an f16 weight of
        // another container keeps its values.
        int count = checked(n * k);
        float[] floats = ArrayPool<float>.Shared.Rent(count);
        try
        {
            Span<float> values = floats.AsSpan(0, count);
            source.ReadInto(stored, values);
            if (dtype != SafeTensorsDType.F16)
            {
                return PackedWeight.FromFloat32(values, n, k, inputMajor);
            }

            var halves = new Half[count];
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, halves);
            return PackedWeight.FromFloat16(halves, n, k, inputMajor);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
        }
    }
}

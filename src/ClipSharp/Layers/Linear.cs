using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>y = x·Wᵀ + b with W stored [out, in] as PyTorch stores it.</summary>
internal sealed class Linear
{
    public Linear(ParameterScope scope, int inFeatures, int outFeatures, bool bias = true, float? initStd = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = scope.Parameter("weight", [outFeatures, inFeatures], ParameterInit.Normal, initStd ?? 1f / MathF.Sqrt(inFeatures));
        Bias = bias ? scope.Parameter("bias", [outFeatures]) : null;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    // x: [N, in] -> y: [N, out]
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows)
        => Forward(x, InFeatures, y, OutFeatures, rows);

    // x rows of stride xStride (>= in), y rows of stride yStride (>= out): lets callers read/write column slices.
    public void Forward(ReadOnlySpan<float> x, int xStride, Span<float> y, int yStride, int rows)
        => Apply(Weight, Bias is null ? default : Bias.Value.Span, InFeatures, OutFeatures, x, xStride, y, yStride, rows);

    /// <summary>
    /// The same product with any [out, in] weight parameter and optional bias, for layers that pack several
    /// projections; a weight held packed in reduced precision multiplies straight from its packed panels.
    /// </summary>
    internal static void Apply(
        Parameter weight, ReadOnlySpan<float> bias, int inFeatures, int outFeatures,
        ReadOnlySpan<float> x, int xStride, Span<float> y, int yStride, int rows)
    {
        if (weight.Packed is not { } packed)
        {
            Apply(weight.Value.Span, bias, inFeatures, outFeatures, x, xStride, y, yStride, rows);
            return;
        }

        float beta = SeedBias(bias, outFeatures, y, yStride, rows);
        Gemm.SgemmPacked(false, rows, 1f, x, xStride, packed, beta, y, yStride);
    }

    /// <summary>The same product with any [out, in] weight and optional bias, for layers that pack several projections.</summary>
    internal static void Apply(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inFeatures, int outFeatures,
        ReadOnlySpan<float> x, int xStride, Span<float> y, int yStride, int rows)
    {
        float beta = SeedBias(bias, outFeatures, y, yStride, rows);
        Gemm.Sgemm(false, true, rows, outFeatures, inFeatures, 1f, x, xStride, weight, inFeatures, beta, y, yStride);
    }

    // Seeding C with the bias lets one GEMM (beta = 1) do the add; returns the GEMM's beta.
    private static float SeedBias(ReadOnlySpan<float> bias, int outFeatures, Span<float> y, int yStride, int rows)
    {
        if (bias.IsEmpty)
        {
            return 0f;
        }

        for (int r = 0; r < rows; r++)
        {
            bias.CopyTo(y.Slice(r * yStride, outFeatures));
        }

        return 1f;
    }

    // x: [N, in] (the forward input), dy: [N, out] -> dx: [N, in] (overwritten; empty to skip); dW, db accumulate.
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, ParameterStore grads)
        => Backward(x, InFeatures, dy, OutFeatures, dx, InFeatures, rows, grads, accumulateDx: false);

    // Strided rows as in the strided Forward; accumulateDx adds into dx instead of overwriting it.
    public void Backward(
        ReadOnlySpan<float> x, int xStride, ReadOnlySpan<float> dy, int dyStride, Span<float> dx, int dxStride, int rows,
        ParameterStore grads, bool accumulateDx)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ApplyBackward(
            Weight.Value.Span, grads.SpanOf(Weight), Bias is null ? default : grads.SpanOf(Bias), InFeatures, OutFeatures,
            x, xStride, dy, dyStride, dx, dxStride, rows, accumulateDx);
    }

    /// <summary>The gradient of <c>Apply</c>: dW += dyᵀ·x, db += Σ dy, dx = dy·W.</summary>
    internal static void ApplyBackward(
        ReadOnlySpan<float> weight, Span<float> dWeight, Span<float> dBias, int inFeatures, int outFeatures,
        ReadOnlySpan<float> x, int xStride, ReadOnlySpan<float> dy, int dyStride, Span<float> dx, int dxStride, int rows,
        bool accumulateDx)
    {
        Gemm.Sgemm(true, false, outFeatures, inFeatures, rows, 1f, dy, dyStride, x, xStride, 1f, dWeight, inFeatures);
        if (!dBias.IsEmpty)
        {
            ColumnSum.Accumulate(dy, rows, outFeatures, dyStride, dBias);
        }

        if (!dx.IsEmpty)
        {
            Gemm.Sgemm(false, false, rows, inFeatures, outFeatures, 1f, dy, dyStride, weight, inFeatures, accumulateDx ? 1f : 0f, dx, dxStride);
        }
    }
}

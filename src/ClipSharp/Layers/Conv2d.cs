using Conv2dKernel = ClipSharp.Tensors.Kernels.Conv2d;

namespace ClipSharp.Layers;

/// <summary>A square-kernel convolution with zero padding; weight [O, C, k, k] as PyTorch stores it.</summary>
internal sealed class Conv2d
{
    public Conv2d(ParameterScope scope, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        // PyTorch's default conv init (uniform ±1/√fan_in, which the reference keeps) has this standard deviation.
        float std = 1f / MathF.Sqrt(3f * inChannels * kernel * kernel);
        Weight = scope.Parameter("weight", [outChannels, inChannels, kernel, kernel], ParameterInit.Normal, std);
        Bias = bias ? scope.Parameter("bias", [outChannels]) : null;
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int Kernel { get; }

    public int Stride { get; }

    public int Padding { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public int OutputSize(int input) => Conv2dKernel.OutputSize(input, Kernel, Stride, Padding);

    // x: [B, C, H, W] -> y: [B, O, OH, OW]
    // A weight held packed in reduced precision multiplies straight from its packed panels.
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width)
    {
        if (Weight.Packed is { } packed)
        {
            ClipSharp.Tensors.Kernels.Conv2dPacked.Forward(
                x, packed, Bias is null ? default : Bias.Value.Span, y, batch, InChannels, height, width, Kernel, Stride, Padding);
            return;
        }

        Conv2dKernel.Forward(
            x, Weight.Value.Span, Bias is null ? default : Bias.Value.Span, y,
            batch, InChannels, height, width, OutChannels, Kernel, Kernel, Stride, Padding);
    }

    // x: the forward input [B, C, H, W]; dy: [B, O, OH, OW] -> dx (overwritten; empty to skip); weight (and bias)
    // gradients accumulate.
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int batch, int height, int width, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ClipSharp.Tensors.Kernels.Conv2dBackward.Backward(
            x, Weight.Value.Span, dy, dx, grads.SpanOf(Weight), Bias is null ? default : grads.SpanOf(Bias),
            batch, InChannels, height, width, OutChannels, Kernel, Kernel, Stride, Padding);
    }
}

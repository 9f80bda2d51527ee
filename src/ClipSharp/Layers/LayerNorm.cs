using ClipSharp.Tensors.Kernels;
using LayerNormKernel = ClipSharp.Tensors.Kernels.LayerNorm;

namespace ClipSharp.Layers;

/// <summary>torch.nn.LayerNorm over the last axis, eps 1e-5, computed in float32 as the reference does.</summary>
internal sealed class LayerNorm
{
    public LayerNorm(ParameterScope scope, int width, float eps = 1e-5f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Width = width;
        Eps = eps;
        Weight = scope.Parameter("weight", [width], ParameterInit.Ones);
        Bias = scope.Parameter("bias", [width]);
    }

    public int Width { get; }

    public float Eps { get; }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    // x: [N, W] -> y: [N, W]
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows)
        => LayerNormKernel.Forward(x, Weight.Value.Span, Bias.Value.Span, y, rows, Width, Eps);

    // x: [N, W] (the forward input), dy: [N, W] -> dx: [N, W] (overwritten); weight and bias gradients accumulate.
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        LayerNormBackward.Backward(
            x, Weight.Value.Span, dy, dx, grads.SpanOf(Weight), grads.SpanOf(Bias), rows, Width, Eps);
    }
}

using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// Eval-mode batch norm. weight and bias are parameters; running_mean and running_var are buffers (statistics,
/// not trained by gradients), so they live in the buffer layout.
/// </summary>
public sealed class BatchNorm2d
{
    public BatchNorm2d(ParameterScope scope, int channels, float eps = 1e-5f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        Eps = eps;
        Weight = scope.Parameter("weight", [channels], ParameterInit.Ones);
        Bias = scope.Parameter("bias", [channels]);
        RunningMean = scope.Buffer("running_mean", [channels]);
        RunningVar = scope.Buffer("running_var", [channels], ParameterInit.Ones);
    }

    public int Channels { get; }

    public float Eps { get; }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    public Parameter RunningMean { get; }

    public Parameter RunningVar { get; }

    // x: [B, C, S] -> y: [B, C, S]; y may alias x.
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int spatial)
        => BatchNorm.Inference(
            x, Weight.Value.Span, Bias.Value.Span, RunningMean.Value.Span, RunningVar.Value.Span, y,
            batch, Channels, spatial, Eps);
}

using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// Batch norm: Forward is eval mode (running statistics), ForwardTraining train mode (batch statistics, running ones
/// updated). weight and bias are parameters; running_mean and running_var are buffers (statistics, not trained by
/// gradients), so they live in the buffer layout.
/// </summary>
public sealed class BatchNorm2d
{
    public BatchNorm2d(ParameterScope scope, int channels, float eps = 1e-5f)
        : this(scope, channels, eps, ParameterInit.Ones)
    {
    }

    /// <summary>weightInit: Zeros for the last norm of a residual branch (the reference zero-initialises bn3).</summary>
    public BatchNorm2d(ParameterScope scope, int channels, float eps, ParameterInit weightInit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        Eps = eps;
        Weight = scope.Parameter("weight", [channels], weightInit);
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

    /// <summary>Train-mode forward passes seen so far (the reference's num_batches_tracked).</summary>
    public long NumBatchesTracked { get; set; }

    // Train mode: normalises with the batch's own statistics and moves the running ones towards them
    // (momentum 0.1; the running variance takes the unbiased batch variance, as the reference does).
    public BatchNormActivations ForwardTraining(ReadOnlySpan<float> x, Span<float> y, int batch, int spatial)
    {
        float[] input = x.ToArray();
        var mean = new double[Channels];
        var variance = new double[Channels];
        BatchNormTraining.Forward(input, Weight.Value.Span, Bias.Value.Span, y, mean, variance, batch, Channels, spatial, Eps);
        Span<float> runningMean = RunningMean.Value.Span;
        Span<float> runningVar = RunningVar.Value.Span;
        double n = (double)batch * spatial;
        for (int c = 0; c < Channels; c++)
        {
            runningMean[c] = (float)((0.9 * runningMean[c]) + (0.1 * mean[c]));
            runningVar[c] = (float)((0.9 * runningVar[c]) + (0.1 * variance[c] * n / (n - 1)));
        }

        NumBatchesTracked++;
        return new BatchNormActivations(input, mean, variance);
    }

    // dy: [B, C, S] -> dx: [B, C, S] (overwritten; may alias dy); weight and bias gradients accumulate.
    public void Backward(BatchNormActivations activations, ReadOnlySpan<float> dy, Span<float> dx, int batch, int spatial, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(grads);
        float[] dyCopy = dy.ToArray();
        BatchNormTraining.Backward(
            activations.Input, Weight.Value.Span, activations.Mean, activations.Variance, dyCopy, dx,
            grads.View(Weight).Span, grads.View(Bias).Span, batch, Channels, spatial, Eps);
    }
}

/// <summary>A train-mode batch norm's input and per-channel batch mean and biased variance.</summary>
public sealed record BatchNormActivations(float[] Input, double[] Mean, double[] Variance);

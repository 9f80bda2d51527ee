using ClipSharp.Layers.Workspaces;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// Batch norm: eval mode (running statistics) for inference, train mode (batch statistics, running ones updated) for
/// training. weight and bias are parameters; running_mean and running_var are buffers (statistics, not trained by
/// gradients), so they live in the buffer layout.
/// </summary>
internal sealed class BatchNorm2d
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

    /// <summary>Doubles a train-mode pass writes: the batch mean, then the biased variance, per channel.</summary>
    public int StatisticsLength => 2 * Channels;

    // x: [B, C, S] -> y: [B, C, S]; y may alias x. Inference is eval mode (Forward above). Train mode (Training, Keep)
    // normalises with the batch's own statistics, written into statistics [2C] for Backward, and moves the running
    // ones towards them (momentum 0.1; the running variance takes the unbiased batch variance, as the reference does).
    internal void Forward(ReadOnlySpan<float> x, Span<float> y, Span<double> statistics, int batch, int spatial, ForwardPass pass)
    {
        if (pass == ForwardPass.Inference)
        {
            Forward(x, y, batch, spatial);
            return;
        }

        Span<double> mean = statistics[..Channels];
        Span<double> variance = statistics.Slice(Channels, Channels);
        BatchNormTraining.Forward(x, Weight.Value.Span, Bias.Value.Span, y, mean, variance, batch, Channels, spatial, Eps);
        Span<float> runningMean = RunningMean.Value.Span;
        Span<float> runningVar = RunningVar.Value.Span;
        double n = (double)batch * spatial;
        for (int c = 0; c < Channels; c++)
        {
            runningMean[c] = (float)((0.9 * runningMean[c]) + (0.1 * mean[c]));
            runningVar[c] = (float)((0.9 * runningVar[c]) + (0.1 * variance[c] * n / (n - 1)));
        }

        NumBatchesTracked++;
    }

    // x: the train-mode forward's input; statistics: what it wrote; dy: [B, C, S] -> dx: [B, C, S] (overwritten; may
    // alias dy); weight and bias gradients accumulate.
    public void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<double> statistics, ReadOnlySpan<float> dy, Span<float> dx, int batch, int spatial, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        if (statistics.Length != StatisticsLength)
        {
            throw new ArgumentException($"statistics must hold 2·channels = {StatisticsLength} values, got {statistics.Length}.", nameof(statistics));
        }

        BatchNormTraining.Backward(
            x, Weight.Value.Span, statistics[..Channels], statistics.Slice(Channels, Channels), dy, dx,
            grads.SpanOf(Weight), grads.SpanOf(Bias), batch, Channels, spatial, Eps);
    }
}

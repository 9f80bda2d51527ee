namespace ClipSharp.Tensors.Kernels;

/// <summary>Train-mode batch norm: each channel normalised by its own batch statistics over (N, S).</summary>
public static class BatchNormTraining
{
    // x, y: [N, C, S]; y may alias x. mean, variance: [C] outputs, the batch mean and the biased variance
    // (what normalises; a caller updating running statistics rescales it to the unbiased one), in double.
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        Span<double> mean, Span<double> variance, int batch, int channels, int spatial, float eps = 1e-5f)
    {
        Check(x.Length, y.Length, weight.Length, mean.Length, batch, channels, spatial);
        KernelArgs.Length(bias.Length, channels, nameof(bias), $"[C={channels}]");
        KernelArgs.Length(variance.Length, channels, nameof(variance), $"[C={channels}]");
        long n = (long)batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> plane = x.Slice(((b * channels) + c) * spatial, spatial);
                for (int s = 0; s < spatial; s++)
                {
                    sum += plane[s];
                }
            }

            double m = sum / n;
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> plane = x.Slice(((b * channels) + c) * spatial, spatial);
                for (int s = 0; s < spatial; s++)
                {
                    double d = plane[s] - m;
                    squares += d * d;
                }
            }

            double v = squares / n;
            mean[c] = m;
            variance[c] = v;
            float rstd = (float)(1.0 / Math.Sqrt(v + eps));
            float mf = (float)m;
            for (int b = 0; b < batch; b++)
            {
                int offset = ((b * channels) + c) * spatial;
                ReadOnlySpan<float> plane = x.Slice(offset, spatial);
                Span<float> outPlane = y.Slice(offset, spatial);
                for (int s = 0; s < spatial; s++)
                {
                    outPlane[s] = ((plane[s] - mf) * rstd * weight[c]) + bias[c];
                }
            }
        }
    }

    // x: the forward input; mean, variance: what Forward returned. dx is overwritten; dWeight and dBias accumulate.
    // With xhat = (x − mean)·rstd and n = N·S: dx = weight·rstd/n · (n·dy − Σdy − xhat·Σ(dy·xhat)).
    public static void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<double> mean, ReadOnlySpan<double> variance,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias,
        int batch, int channels, int spatial, float eps = 1e-5f)
    {
        Check(x.Length, dx.Length, weight.Length, mean.Length, batch, channels, spatial);
        KernelArgs.Length(dy.Length, x.Length, nameof(dy), $"[N={batch}, C={channels}, S={spatial}]");
        KernelArgs.Length(dWeight.Length, channels, nameof(dWeight), $"[C={channels}]");
        KernelArgs.Length(dBias.Length, channels, nameof(dBias), $"[C={channels}]");
        long n = (long)batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double rstd = 1.0 / Math.Sqrt(variance[c] + eps);
            double m = mean[c];
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int b = 0; b < batch; b++)
            {
                int offset = ((b * channels) + c) * spatial;
                for (int s = 0; s < spatial; s++)
                {
                    double g = dy[offset + s];
                    sumDy += g;
                    sumDyXhat += g * (x[offset + s] - m) * rstd;
                }
            }

            dWeight[c] += (float)sumDyXhat;
            dBias[c] += (float)sumDy;
            double k = weight[c] * rstd / n;
            for (int b = 0; b < batch; b++)
            {
                int offset = ((b * channels) + c) * spatial;
                for (int s = 0; s < spatial; s++)
                {
                    double xhat = (x[offset + s] - m) * rstd;
                    dx[offset + s] = (float)(k * ((n * (double)dy[offset + s]) - sumDy - (xhat * sumDyXhat)));
                }
            }
        }
    }

    private static void Check(int xLength, int yLength, int weightLength, int statLength, int batch, int channels, int spatial)
    {
        KernelArgs.Positive(batch, nameof(batch));
        KernelArgs.Positive(channels, nameof(channels));
        KernelArgs.Positive(spatial, nameof(spatial));
        long count = (long)batch * channels * spatial;
        KernelArgs.Length(xLength, count, "x", $"[N={batch}, C={channels}, S={spatial}]");
        KernelArgs.Length(yLength, count, "y", $"[N={batch}, C={channels}, S={spatial}]");
        KernelArgs.Length(weightLength, channels, "weight", $"[C={channels}]");
        KernelArgs.Length(statLength, channels, "mean", $"[C={channels}]");
        if (count / channels < 2)
        {
            throw new ArgumentException(
                $"train-mode batch norm needs more than one value per channel, got N·S = {count / channels}.", nameof(batch));
        }
    }
}

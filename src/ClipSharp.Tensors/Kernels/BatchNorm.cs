using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class BatchNorm
{
    // Eval mode. x, y: [N, C, S]; y may alias x. Each channel folds to y = x·scale + shift with
    // scale = weight/√(var + eps) and shift = bias − mean·scale, both formed in double.
    public static void Inference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y,
        int batch, int channels, int spatial, float eps = 1e-5f)
    {
        KernelArgs.NonNegative(batch, nameof(batch));
        KernelArgs.NonNegative(channels, nameof(channels));
        KernelArgs.NonNegative(spatial, nameof(spatial));
        long count = (long)batch * channels * spatial;
        KernelArgs.Length(x.Length, count, nameof(x), $"[N={batch}, C={channels}, S={spatial}]");
        KernelArgs.Length(y.Length, count, nameof(y), $"[N={batch}, C={channels}, S={spatial}]");
        KernelArgs.Length(weight.Length, channels, nameof(weight), $"[C={channels}]");
        KernelArgs.Length(bias.Length, channels, nameof(bias), $"[C={channels}]");
        KernelArgs.Length(runningMean.Length, channels, nameof(runningMean), $"[C={channels}]");
        KernelArgs.Length(runningVar.Length, channels, nameof(runningVar), $"[C={channels}]");
        Inference(x, weight, bias, runningMean, runningVar, y, batch, channels, spatial, eps, KernelIsas.Best);
    }

    internal static void Inference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y,
        int batch, int channels, int spatial, float eps, KernelIsa isa)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int c = 0; c < channels; c++)
        {
            double rstd = 1.0 / Math.Sqrt(runningVar[c] + (double)eps);
            float scale = (float)(weight[c] * rstd);
            float shift = (float)(bias[c] - (runningMean[c] * weight[c] * rstd));
            for (int n = 0; n < batch; n++)
            {
                nint offset = (((nint)n * channels) + c) * spatial;
                UnaryMap.Run(new ScaleShiftOperator(scale, shift), ref Unsafe.Add(ref xr, offset), ref Unsafe.Add(ref yr, offset), spatial, isa);
            }
        }
    }
}

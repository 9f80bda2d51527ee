using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class AvgPool2d
{
    public static int OutputSize(int input, int kernel, int stride) => ((input - kernel) / stride) + 1;

    // x: [N, C, H, W]; y: [N, C, OH, OW]; no padding, floor division of the output size
    // (nn.AvgPool2d defaults). Each output row first sums its kernel input rows (contiguous,
    // vectorised), then sums kernel-wide windows of that row.
    public static void Forward(
        ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width, int kernel, int stride)
    {
        KernelArgs.NonNegative(batch, nameof(batch));
        KernelArgs.NonNegative(channels, nameof(channels));
        KernelArgs.Positive(height, nameof(height));
        KernelArgs.Positive(width, nameof(width));
        KernelArgs.Positive(kernel, nameof(kernel));
        KernelArgs.Positive(stride, nameof(stride));
        if (kernel > height || kernel > width)
        {
            throw new ArgumentException($"kernel {kernel} is larger than the {height}x{width} input.", nameof(kernel));
        }

        long planes = (long)batch * channels;
        KernelArgs.Length(x.Length, planes * height * width, nameof(x), $"[N={batch}, C={channels}, H={height}, W={width}]");
        int oh = OutputSize(height, kernel, stride);
        int ow = OutputSize(width, kernel, stride);
        KernelArgs.Length(y.Length, planes * oh * ow, nameof(y), $"[N={batch}, C={channels}, OH={oh}, OW={ow}]");
        Forward(x, y, batch, channels, height, width, kernel, stride, KernelIsas.Best);
    }

    internal static void Forward(
        ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width, int kernel, int stride, KernelIsa isa)
    {
        int oh = OutputSize(height, kernel, stride);
        int ow = OutputSize(width, kernel, stride);
        float inv = 1f / (kernel * kernel);
        float[] rowSum = KernelScratch.Get(width);
        ref float sr = ref MemoryMarshal.GetArrayDataReference(rowSum);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int planes = batch * channels;
        for (int p = 0; p < planes; p++)
        {
            ref float xPlane = ref Unsafe.Add(ref xr, (nint)p * height * width);
            ref float yPlane = ref Unsafe.Add(ref yr, (nint)p * oh * ow);
            for (int r = 0; r < oh; r++)
            {
                rowSum.AsSpan(0, width).Clear();
                for (int i = 0; i < kernel; i++)
                {
                    BinaryMap.Run(new MultiplyAddOperator(1f), ref Unsafe.Add(ref xPlane, (nint)((r * stride) + i) * width), ref sr, ref sr, width, isa);
                }

                for (int c = 0; c < ow; c++)
                {
                    float sum = 0f;
                    for (int j = 0; j < kernel; j++)
                    {
                        sum += Unsafe.Add(ref sr, (c * stride) + j);
                    }

                    Unsafe.Add(ref yPlane, (r * ow) + c) = sum * inv;
                }
            }
        }
    }
}

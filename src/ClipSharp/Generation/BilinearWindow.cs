using ClipSharp.Imaging;

namespace ClipSharp.Generation;

/// <summary>
/// A square window of a square source plane, resampled bilinearly onto a square output (half-pixel centres, edges
/// clamped: PyTorch's <c>align_corners=False</c>). The same weights serve the forward pass and, transposed, its
/// adjoint, which is what the gradient of a crop or an upsampling is.
/// </summary>
/// <param name="Left">The window's left edge in source pixels (fractional).</param>
/// <param name="Top">Its top edge in source pixels.</param>
/// <param name="Side">Its side in source pixels.</param>
internal readonly record struct BilinearWindow(double Left, double Top, double Side)
{
    /// <summary>The whole of an <paramref name="size"/>-pixel source.</summary>
    public static BilinearWindow Whole(int size) => new(0, 0, size);

    // source: [channels, n, n] -> output: [channels, m, m], overwritten.
    public void Sample(ReadOnlySpan<float> source, int n, Span<float> output, int m, int channels)
    {
        (BilinearTaps xs, BilinearTaps ys) = (Along(Left, n, m), Along(Top, n, m));
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> src = source.Slice(c * n * n, n * n);
            Span<float> dst = output.Slice(c * m * m, m * m);
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<float> top = src.Slice(ys.Low[i] * n, n), bottom = src.Slice(ys.High[i] * n, n);
                float v = ys.Weight[i];
                for (int j = 0; j < m; j++)
                {
                    int a = xs.Low[j], b = xs.High[j];
                    float u = xs.Weight[j];
                    float upper = top[a] + (u * (top[b] - top[a]));
                    float lower = bottom[a] + (u * (bottom[b] - bottom[a]));
                    dst[(i * m) + j] = upper + (v * (lower - upper));
                }
            }
        }
    }

    // dOutput: [channels, m, m] -> dSource: [channels, n, n], accumulated (the transpose of Sample).
    public void Adjoint(ReadOnlySpan<float> dOutput, int m, Span<float> dSource, int n, int channels)
    {
        (BilinearTaps xs, BilinearTaps ys) = (Along(Left, n, m), Along(Top, n, m));
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> dst = dOutput.Slice(c * m * m, m * m);
            Span<float> src = dSource.Slice(c * n * n, n * n);
            for (int i = 0; i < m; i++)
            {
                Span<float> top = src.Slice(ys.Low[i] * n, n), bottom = src.Slice(ys.High[i] * n, n);
                float v = ys.Weight[i];
                for (int j = 0; j < m; j++)
                {
                    int a = xs.Low[j], b = xs.High[j];
                    float u = xs.Weight[j];
                    float g = dst[(i * m) + j];
                    float upper = g * (1 - v), lower = g * v;
                    top[a] += upper * (1 - u);
                    top[b] += upper * u;
                    bottom[a] += lower * (1 - u);
                    bottom[b] += lower * u;
                }
            }
        }
    }

    // Output i's centre in source pixels: the window's m outputs share its side.
    private BilinearTaps Along(double start, int n, int m)
    {
        double step = Side / m;
        return BilinearTaps.Along(m, n, i => start + ((i + 0.5) * step) - 0.5);
    }
}

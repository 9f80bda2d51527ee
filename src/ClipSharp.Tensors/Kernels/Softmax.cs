using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class Softmax
{
    // x, y: [rows, cols]; y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
        => SoftmaxReference.Forward(x, y, rows, cols);
}

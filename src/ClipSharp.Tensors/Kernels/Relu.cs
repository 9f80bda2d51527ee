using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class Relu
{
    // y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => ActivationReference.Relu(x, y);
}

using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class Gelu
{
    // y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => ActivationReference.Gelu(x, y);
}

using ClipSharp.Models;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>The MLP non-linearity: QuickGELU for OpenAI's released models, exact GELU for many open_clip ones.</summary>
internal static class Activation
{
    // x: [N] -> y: [N]; y may alias x.
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y)
    {
        switch (kind)
        {
            case ActivationKind.QuickGelu:
                QuickGelu.Forward(x, y);
                break;
            case ActivationKind.Gelu:
                Gelu.Forward(x, y);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation.");
        }
    }

    // x: the forward input [N]; dy: [N] -> dx: [N]; dx may alias dy.
    public static void Backward(ActivationKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        switch (kind)
        {
            case ActivationKind.QuickGelu:
                QuickGeluBackward.Backward(x, dy, dx);
                break;
            case ActivationKind.Gelu:
                GeluBackward.Backward(x, dy, dx);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation.");
        }
    }
}

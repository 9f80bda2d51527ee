using ClipSharp.Models;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>The MLP non-linearity: QuickGELU for OpenAI's released models, exact GELU for many open_clip ones.</summary>
public static class Activation
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
}

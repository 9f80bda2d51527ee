using ClipSharp.Models;

namespace ClipSharp.Layers;

/// <summary>The block's feed-forward: c_fc (W → 4W) → activation → c_proj (4W → W).</summary>
internal sealed class Mlp
{
    public Mlp(ParameterScope scope, int width, ActivationKind activation, float fcStd, float projStd)
    {
        Width = width;
        Hidden = 4 * width;
        Kind = activation;
        CFc = new Linear(scope.Child("c_fc"), width, Hidden, initStd: fcStd);
        CProj = new Linear(scope.Child("c_proj"), Hidden, width, initStd: projStd);
    }

    public int Width { get; }

    public int Hidden { get; }

    public ActivationKind Kind { get; }

    public Linear CFc { get; }

    public Linear CProj { get; }

    // x: [N, W] -> hidden: [N, 4W] (c_fc's output), activated: [N, 4W] (its activation; may be hidden itself, which
    // inference does) -> y: [N, W].
    public void Forward(ReadOnlySpan<float> x, Span<float> hidden, Span<float> activated, Span<float> y, int rows)
    {
        CFc.Forward(x, hidden, rows);
        Activation.Forward(Kind, hidden, activated);
        CProj.Forward(activated, y, rows);
    }

    // x, hidden, activated: what Forward read and wrote (activated its own slice); dy: [N, W] -> dx: [N, W]
    // (overwritten); dHidden: [N, 4W] scratch.
    public void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> hidden, ReadOnlySpan<float> activated, ReadOnlySpan<float> dy,
        Span<float> dHidden, Span<float> dx, int rows, ParameterStore grads)
    {
        CProj.Backward(activated, dy, dHidden, rows, grads);
        Activation.Backward(Kind, hidden, dHidden, dHidden);
        CFc.Backward(x, dHidden, dx, rows, grads);
    }
}

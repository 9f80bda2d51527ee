using ClipSharp.Models;

namespace ClipSharp.Layers;

/// <summary>The block's feed-forward: c_fc (W → 4W) → activation → c_proj (4W → W).</summary>
public sealed class Mlp
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

    // x: [N, W] -> y: [N, W]
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows)
    {
        var hidden = new float[rows * Hidden];
        CFc.Forward(x, hidden, rows);
        Activation.Forward(Kind, hidden, hidden);
        CProj.Forward(hidden, y, rows);
    }
}

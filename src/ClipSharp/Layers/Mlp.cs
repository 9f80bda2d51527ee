using System.Buffers;
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
        float[] buffer = ArrayPool<float>.Shared.Rent(rows * Hidden);
        try
        {
            Span<float> hidden = buffer.AsSpan(0, rows * Hidden);
            CFc.Forward(x, hidden, rows);
            Activation.Forward(Kind, hidden, hidden);
            CProj.Forward(hidden, y, rows);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    // As Forward, keeping the hidden layer before and after the activation for Backward.
    public MlpActivations ForwardTraining(ReadOnlySpan<float> x, Span<float> y, int rows)
    {
        var hidden = new float[rows * Hidden];
        CFc.Forward(x, hidden, rows);
        var activated = new float[rows * Hidden];
        Activation.Forward(Kind, hidden, activated);
        CProj.Forward(activated, y, rows);
        return new MlpActivations(hidden, activated);
    }

    // x: the forward input [N, W]; dy: [N, W] -> dx: [N, W] (overwritten).
    public void Backward(ReadOnlySpan<float> x, MlpActivations activations, ReadOnlySpan<float> dy, Span<float> dx, int rows, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(activations);
        var dHidden = new float[rows * Hidden];
        CProj.Backward(activations.Activated, dy, dHidden, rows, grads);
        Activation.Backward(Kind, activations.Hidden, dHidden, dHidden);
        CFc.Backward(x, dHidden, dx, rows, grads);
    }
}

/// <summary>What <see cref="Mlp.Backward"/> needs from the forward pass: [N, 4W] before and after the activation.</summary>
public sealed record MlpActivations(float[] Hidden, float[] Activated);

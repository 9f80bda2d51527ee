using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Layers;

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s named <c>resblocks.&lt;i&gt;</c>.</summary>
public sealed class Transformer
{
    private readonly string[] _observeNames;

    public Transformer(ParameterScope scope, int width, int layers, int heads, bool causal, ActivationKind activation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 0);
        Width = width;
        var blocks = new ResidualAttentionBlock[layers];
        _observeNames = new string[layers];
        ParameterScope resblocks = scope.Child("resblocks");
        for (int i = 0; i < layers; i++)
        {
            blocks[i] = new ResidualAttentionBlock(resblocks.Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), width, heads, causal, activation, layers);
            _observeNames[i] = blocks[i].Name + ".out";
        }

        Resblocks = blocks;
    }

    public int Width { get; }

    public IReadOnlyList<ResidualAttentionBlock> Resblocks { get; }

    // x: [B, T, W] -> x: [B, T, W], in place. The observer sees "<prefix>.resblocks.<i>.out" after each block.
    public void Forward(Span<float> x, int batch, int tokens, Action<string, Tensor>? observer = null)
    {
        for (int i = 0; i < Resblocks.Count; i++)
        {
            Resblocks[i].Forward(x, batch, tokens);
            Observation.Report(observer, _observeNames[i], x, batch, tokens, Width);
        }
    }

    // As Forward without an observer, keeping every block's activations.
    public IReadOnlyList<BlockActivations> ForwardTraining(Span<float> x, int batch, int tokens)
    {
        var activations = new BlockActivations[Resblocks.Count];
        for (int i = 0; i < Resblocks.Count; i++)
        {
            activations[i] = Resblocks[i].ForwardTraining(x, batch, tokens);
        }

        return activations;
    }

    // dx: the gradient of the stack's output in, of its input out (in place).
    public void Backward(IReadOnlyList<BlockActivations> activations, Span<float> dx, int batch, int tokens, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(activations);
        for (int i = Resblocks.Count - 1; i >= 0; i--)
        {
            Resblocks[i].Backward(activations[i], dx, batch, tokens, grads);
        }
    }
}

using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Layers;

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s named <c>resblocks.&lt;i&gt;</c>.</summary>
internal sealed class Transformer
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

    /// <summary>The slices a forward pass over [B, T, W] (and, kept, its backward pass) runs in.</summary>
    internal TransformerLayout Layout(ref WorkspaceLayout layout, int batch, int tokens, bool keep)
    {
        int heads = Resblocks.Count > 0 ? Resblocks[0].Attn.Heads : 1;
        return new TransformerLayout(ref layout, Resblocks.Count, batch, tokens, Width, heads, 4 * Width, keep);
    }

    // Stream(0): [B, T, W] -> Stream(Layers): [B, T, W] (the same slice unless kept). The observer sees
    // "<prefix>.resblocks.<i>.out" after each block.
    internal void Forward(WorkspaceArena ws, in TransformerLayout l, int batch, int tokens, Action<string, Tensor>? observer = null)
        => Forward(ws, l, batch, tokens, Resblocks.Count, observer);

    // The first <paramref name="count"/> blocks only: Stream(0) -> Stream(count).
    internal void Forward(WorkspaceArena ws, in TransformerLayout l, int batch, int tokens, int count, Action<string, Tensor>? observer)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Resblocks.Count);
        for (int i = 0; i < count; i++)
        {
            Span<float> y = ws[l.Stream(i + 1)];
            Resblocks[i].Forward(ws[l.Stream(i)], y, ws, l.BlockAt(i), batch, tokens);
            Observation.Report(observer, _observeNames[i], y, batch, tokens, Width);
        }
    }

    // Inference read out at one row per sequence: every block but the last as Forward, then the last only at token
    // readout[b] of sequence b: Stream(0) -> y: [B, W], bit for bit those rows of Forward's output. Not for kept
    // layouts (the backward pass reads every row) nor with an observer (which sees every block's whole output).
    internal void ForwardReadout(WorkspaceArena ws, in TransformerLayout l, int batch, int tokens, ReadOnlySpan<int> readout, Span<float> y)
    {
        int last = Resblocks.Count - 1;
        if (last < 0)
        {
            ReadOnlySpan<float> x = ws[l.Stream(0)];
            for (int b = 0; b < batch; b++)
            {
                x.Slice(((b * tokens) + readout[b]) * Width, Width).CopyTo(y.Slice(b * Width, Width));
            }

            return;
        }

        Forward(ws, l, batch, tokens, last, observer: null);
        Resblocks[last].ForwardReadout(ws[l.Stream(last)], readout, y, ws, l.BlockAt(last), batch, tokens);
    }

    // StreamGradient: the gradient of the stack's output in, of its input out (in place). Needs a kept Forward.
    internal void Backward(WorkspaceArena ws, in TransformerLayout l, int batch, int tokens, ParameterStore grads)
        => Backward(ws, l, batch, tokens, grads, downTo: 0);

    // Only down to block downTo: StreamGradient ends as the gradient of Stream(downTo), the stream entering that block.
    internal void Backward(WorkspaceArena ws, in TransformerLayout l, int batch, int tokens, ParameterStore grads, int downTo)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ArgumentOutOfRangeException.ThrowIfNegative(downTo);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(downTo, Resblocks.Count);
        Span<float> dx = ws[l.StreamGradient];
        for (int i = Resblocks.Count - 1; i >= downTo; i--)
        {
            Resblocks[i].Backward(ws[l.Stream(i)], ws, l.BlockAt(i), l.Gradients, dx, batch, tokens, grads);
        }
    }
}

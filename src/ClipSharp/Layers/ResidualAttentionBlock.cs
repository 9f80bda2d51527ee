using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>The pre-LN transformer block: x += attn(ln_1(x)); x += mlp(ln_2(x)).</summary>
internal sealed class ResidualAttentionBlock
{
    public ResidualAttentionBlock(
        ParameterScope scope, int width, int heads, bool causal, ActivationKind activation, int depth)
    {
        Name = scope.Prefix;
        Width = width;

        // The reference's initialize_parameters: std width^-0.5 for in_proj, scaled down by √(2·depth) for the
        // projections that feed the residual stream.
        float attnStd = 1f / MathF.Sqrt(width);
        float projStd = attnStd / MathF.Sqrt(2f * depth);
        float fcStd = 1f / MathF.Sqrt(2f * width);

        Ln1 = new LayerNorm(scope.Child("ln_1"), width);
        Attn = new MultiHeadAttention(scope.Child("attn"), width, heads, causal, attnStd, projStd);
        Ln2 = new LayerNorm(scope.Child("ln_2"), width);
        Mlp = new Mlp(scope.Child("mlp"), width, activation, fcStd, projStd);
    }

    public string Name { get; }

    public int Width { get; }

    public LayerNorm Ln1 { get; }

    public MultiHeadAttention Attn { get; }

    public LayerNorm Ln2 { get; }

    public Mlp Mlp { get; }

    // x: [B, T, W] -> y: [B, T, W], the residual stream (y may be x itself, which inference does), through the
    // block's slices of the arena. middle = x + attn(ln_1(x)); y = middle + mlp(ln_2(middle)).
    internal void Forward(ReadOnlySpan<float> x, Span<float> y, WorkspaceArena ws, in BlockLayout l, int batch, int tokens)
    {
        int rows = batch * tokens;
        Span<float> ln1 = ws[l.Ln1];
        Span<float> middle = ws[l.Middle];
        Span<float> ln2 = ws[l.Ln2];
        Ln1.Forward(x, ln1, rows);
        Attn.Forward(ln1, ws[l.Qkv], ws[l.Probabilities], ws[l.Attended], middle, batch, tokens);
        Add.Run(x, middle, middle);

        Ln2.Forward(middle, ln2, rows);
        Mlp.Forward(ln2, ws[l.Hidden], ws[l.Activated], y, rows);
        Add.Run(middle, y, y);
    }

    // Inference of a last block whose output is read at one row per sequence (an image's class token, a text's
    // end-of-text token): x: [B, T, W], readout: [B] token indices -> y: [B, W] (not overlapping x), bit for bit the
    // rows Forward would write there. Every token still feeds keys and values; the attention of the other queries,
    // out_proj, the residual adds and the MLP run on B rows instead of B·T (for ViT-B/32 at 50 tokens, three
    // quarters of the block's multiply-adds). Uses the first B rows of the block's slices.
    internal void ForwardReadout(
        ReadOnlySpan<float> x, ReadOnlySpan<int> readout, Span<float> y, WorkspaceArena ws, in BlockLayout l, int batch, int tokens)
    {
        int w = Width;
        Span<float> ln1 = ws[l.Ln1];
        Ln1.Forward(x, ln1, batch * tokens);
        Span<float> middle = ws[l.Middle][..(batch * w)];
        Attn.ForwardReadout(ln1, readout, ws[l.Qkv], ws[l.Attended][..(batch * w)], middle, batch, tokens);
        for (int b = 0; b < batch; b++)
        {
            x.Slice(((b * tokens) + readout[b]) * w, w).CopyTo(y.Slice(b * w, w));
        }

        Add.Run(y, middle, middle);
        Span<float> ln2 = ws[l.Ln2][..(batch * w)];
        Ln2.Forward(middle, ln2, batch);
        Mlp.Forward(ln2, ws[l.Hidden], ws[l.Activated], y, batch);
        Add.Run(middle, y, y);
    }

    // MaskCLIP's dense readout of a last block: x: [N, W] -> y: [N, W] = out_proj(v(ln_1(x))), with neither residual
    // nor MLP (y must not overlap x), through the block's ln_1 and qkv slices.
    internal void ValuePath(ReadOnlySpan<float> x, Span<float> y, WorkspaceArena ws, in BlockLayout l, int batch, int tokens)
    {
        int rows = batch * tokens;
        Span<float> ln1 = ws[l.Ln1];
        Ln1.Forward(x, ln1, rows);
        Attn.ValueForward(ln1, ws[l.Qkv], y, rows);
    }

    // x: the block's input as Forward read it (kept); dx: the gradient of the block's output in, of its input out
    // (the residual stream's gradient, in place). The block's slices must hold what a kept Forward wrote.
    internal void Backward(
        ReadOnlySpan<float> x, WorkspaceArena ws, in BlockLayout l, in BlockGradientLayout g, Span<float> dx, int batch, int tokens, ParameterStore grads)
    {
        int rows = batch * tokens;
        Span<float> dNormed = ws[g.Normed];
        Span<float> dBranch = ws[g.Branch];

        Mlp.Backward(ws[l.Ln2], ws[l.Hidden], ws[l.Activated], dx, ws[g.Hidden], dNormed, rows, grads);
        Ln2.Backward(ws[l.Middle], dNormed, dBranch, rows, grads);
        Add.Run(dx, dBranch, dx);

        Attn.Backward(ws[l.Ln1], ws[l.Qkv], ws[l.Probabilities], ws[l.Attended], dx, ws[g.Attended], ws[g.Qkv], dNormed, batch, tokens, grads);
        Ln1.Backward(x, dNormed, dBranch, rows, grads);
        Add.Run(dx, dBranch, dx);
    }
}

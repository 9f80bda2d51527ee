using ClipSharp.Models;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Layers;

/// <summary>The pre-LN transformer block: x += attn(ln_1(x)); x += mlp(ln_2(x)).</summary>
public sealed class ResidualAttentionBlock
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

    // x: [B, T, W] -> x: [B, T, W], updated in place (the residual stream).
    public void Forward(Span<float> x, int batch, int tokens)
    {
        int rows = batch * tokens;
        var normed = new float[rows * Width];
        var branch = new float[rows * Width];

        Ln1.Forward(x, normed, rows);
        Attn.Forward(normed, branch, batch, tokens);
        TensorPrimitives.Add(x, branch, x);

        Ln2.Forward(x, normed, rows);
        Mlp.Forward(normed, branch, rows);
        TensorPrimitives.Add(x, branch, x);
    }
}

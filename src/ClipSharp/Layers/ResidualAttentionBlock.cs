using System.Buffers;
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
        float[] normedBuffer = ArrayPool<float>.Shared.Rent(rows * Width);
        float[] branchBuffer = ArrayPool<float>.Shared.Rent(rows * Width);
        try
        {
            Span<float> normed = normedBuffer.AsSpan(0, rows * Width);
            Span<float> branch = branchBuffer.AsSpan(0, rows * Width);
            Ln1.Forward(x, normed, rows);
            Attn.Forward(normed, branch, batch, tokens);
            TensorPrimitives.Add(x, branch, x);

            Ln2.Forward(x, normed, rows);
            Mlp.Forward(normed, branch, rows);
            TensorPrimitives.Add(x, branch, x);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(branchBuffer);
            ArrayPool<float>.Shared.Return(normedBuffer);
        }
    }

    // As Forward (x updated in place), keeping what Backward needs.
    public BlockActivations ForwardTraining(Span<float> x, int batch, int tokens)
    {
        int rows = batch * tokens;
        float[] input = x.ToArray();
        var normed1 = new float[rows * Width];
        var branch = new float[rows * Width];
        Ln1.Forward(x, normed1, rows);
        AttentionActivations attn = Attn.ForwardTraining(normed1, branch, batch, tokens);
        TensorPrimitives.Add(x, branch, x);

        float[] middle = x.ToArray();
        var normed2 = new float[rows * Width];
        Ln2.Forward(x, normed2, rows);
        MlpActivations mlp = Mlp.ForwardTraining(normed2, branch, rows);
        TensorPrimitives.Add(x, branch, x);
        return new BlockActivations(input, normed1, attn, middle, normed2, mlp);
    }

    // dx: the gradient of the block's output [B, T, W] in, of its input out (the residual stream, in place).
    public void Backward(BlockActivations activations, Span<float> dx, int batch, int tokens, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(activations);
        int rows = batch * tokens;
        var dNormed = new float[rows * Width];
        var dBranch = new float[rows * Width];

        Mlp.Backward(activations.Normed2, activations.Mlp, dx, dNormed, rows, grads);
        Ln2.Backward(activations.Middle, dNormed, dBranch, rows, grads);
        TensorPrimitives.Add(dx, dBranch, dx);

        Attn.Backward(activations.Normed1, activations.Attention, dx, dNormed, batch, tokens, grads);
        Ln1.Backward(activations.Input, dNormed, dBranch, rows, grads);
        TensorPrimitives.Add(dx, dBranch, dx);
    }
}

/// <summary>A block's saved forward values: its input, ln_1(input), attention's, input + attn, ln_2 of that, the MLP's.</summary>
public sealed record BlockActivations(
    float[] Input, float[] Normed1, AttentionActivations Attention, float[] Middle, float[] Normed2, MlpActivations Mlp);

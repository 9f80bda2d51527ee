using System.Buffers;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// torch.nn.MultiheadAttention self-attention: a packed in_proj [3W, W] (q, k, v rows stacked), heads as contiguous
/// W/heads channel slices, softmax(q·kᵀ/√d)·v, then out_proj. Causal hides keys after the query (the text tower).
/// </summary>
public sealed class MultiHeadAttention
{
    public MultiHeadAttention(ParameterScope scope, int width, int heads, bool causal, float inStd, float outStd)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (width % heads != 0)
        {
            throw new ArgumentException($"attention width {width} is not divisible by {heads} heads.", nameof(heads));
        }

        Width = width;
        Heads = heads;
        HeadDim = width / heads;
        Causal = causal;
        InProjWeight = scope.Parameter("in_proj_weight", [3 * width, width], ParameterInit.Normal, inStd);
        InProjBias = scope.Parameter("in_proj_bias", [3 * width]);
        OutProj = new Linear(scope.Child("out_proj"), width, width, initStd: outStd);
    }

    public int Width { get; }

    public int Heads { get; }

    public int HeadDim { get; }

    public bool Causal { get; }

    public Parameter InProjWeight { get; }

    public Parameter InProjBias { get; }

    public Linear OutProj { get; }

    // x: [B, T, W] -> y: [B, T, W]. The training forward's body on pooled buffers: inference keeps nothing, and
    // fresh large arrays per layer and call would pile up as garbage faster than the GC returns it.
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int tokens)
    {
        int rows = batch * tokens;
        float[] qkv = ArrayPool<float>.Shared.Rent(rows * 3 * Width);
        float[] attended = ArrayPool<float>.Shared.Rent(rows * Width);
        try
        {
            Run(x, y, batch, tokens, qkv.AsSpan(0, rows * 3 * Width), attended.AsSpan(0, rows * Width));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(attended);
            ArrayPool<float>.Shared.Return(qkv);
        }
    }

    // x: [B, T, W] -> y: [B, T, W], keeping the packed q/k/v and the attended values for Backward.
    public AttentionActivations ForwardTraining(ReadOnlySpan<float> x, Span<float> y, int batch, int tokens)
    {
        int rows = batch * tokens;
        var qkv = new float[rows * 3 * Width];
        var attended = new float[rows * Width];
        Run(x, y, batch, tokens, qkv, attended);
        return new AttentionActivations(qkv, attended);
    }

    // qkv: [B*T, 3W] and attended: [B*T, W], both overwritten.
    // One GEMM for q, k and v of every token; attention then reads them as strided column slices.
    private void Run(ReadOnlySpan<float> x, Span<float> y, int batch, int tokens, Span<float> qkv, Span<float> attended)
    {
        int rows = batch * tokens;
        int w = Width;
        Linear.Apply(InProjWeight, InProjBias.Value.Span, w, 3 * w, x, w, qkv, 3 * w, rows);
        ReadOnlySpan<float> packed = qkv;
        Attention.Forward(
            packed, 3 * w, packed[w..], 3 * w, packed[(2 * w)..], 3 * w, attended, w,
            batch, Heads, tokens, tokens, HeadDim, Causal);
        OutProj.Forward(attended, y, rows);
    }

    // x: the forward input [B, T, W]; dy: [B, T, W] -> dx: [B, T, W] (overwritten).
    public void Backward(
        ReadOnlySpan<float> x, AttentionActivations activations, ReadOnlySpan<float> dy, Span<float> dx,
        int batch, int tokens, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(grads);
        int rows = batch * tokens;
        int w = Width;
        var dAttended = new float[rows * w];
        OutProj.Backward(activations.Attended, dy, dAttended, rows, grads);

        var dQkv = new float[rows * 3 * w];
        ReadOnlySpan<float> packed = activations.Qkv;
        Span<float> dPacked = dQkv;
        AttentionBackward.Backward(
            packed, 3 * w, packed[w..], 3 * w, packed[(2 * w)..], 3 * w, dAttended, w,
            dPacked, 3 * w, dPacked[w..], 3 * w, dPacked[(2 * w)..], 3 * w, batch, Heads, tokens, tokens, HeadDim, Causal);
        Linear.ApplyBackward(
            InProjWeight.Value.Span, grads.View(InProjWeight).Span, grads.View(InProjBias).Span, w, 3 * w,
            x, w, dQkv, 3 * w, dx, w, rows, accumulateDx: false);
    }
}

/// <summary>What <see cref="MultiHeadAttention.Backward"/> needs: q/k/v packed [B·T, 3W] and the attended values [B·T, W].</summary>
public sealed record AttentionActivations(float[] Qkv, float[] Attended);

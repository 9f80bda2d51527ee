using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// torch.nn.MultiheadAttention self-attention: a packed in_proj [3W, W] (q, k, v rows stacked), heads as contiguous
/// W/heads channel slices, softmax(q·kᵀ/√d)·v, then out_proj. Causal hides keys after the query (the text tower).
/// </summary>
internal sealed class MultiHeadAttention
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

    // x: [B, T, W] -> qkv: [B·T, 3W] (one GEMM for q, k and v of every token; attention reads them as strided column
    // slices), probabilities: [B, heads, T, T] or empty (kept for Backward, or not written), attended: [B·T, W]
    // (out_proj's input) -> y: [B, T, W].
    public void Forward(
        ReadOnlySpan<float> x, Span<float> qkv, Span<float> probabilities, Span<float> attended, Span<float> y, int batch, int tokens)
    {
        int rows = batch * tokens;
        int w = Width;
        Linear.Apply(InProjWeight, InProjBias.Value.Span, w, 3 * w, x, w, qkv, 3 * w, rows);
        ReadOnlySpan<float> packed = qkv;
        if (probabilities.IsEmpty)
        {
            Attention.Forward(
                packed, 3 * w, packed[w..], 3 * w, packed[(2 * w)..], 3 * w, attended, w,
                batch, Heads, tokens, tokens, HeadDim, Causal);
        }
        else
        {
            Attention.Forward(
                packed, 3 * w, packed[w..], 3 * w, packed[(2 * w)..], 3 * w, attended, w, probabilities,
                batch, Heads, tokens, tokens, HeadDim, Causal);
        }

        OutProj.Forward(attended, y, rows);
    }

    // Inference when only one row per sequence is read afterwards: x: [B, T, W] -> y: [B, W], row b the output at
    // token readout[b], bit for bit the row Forward writes there. Keys and values come from every token (the one
    // in_proj GEMM of Forward); the query row attends over keys [0, readout[b]] when causal (the keys a causal row
    // sees; the fused kernel's rows do not depend on the keys after them) or all T otherwise, and out_proj runs on
    // B rows instead of B·T. qkv: [B·T, 3W], attended: [B, W] scratch.
    internal void ForwardReadout(
        ReadOnlySpan<float> x, ReadOnlySpan<int> readout, Span<float> qkv, Span<float> attended, Span<float> y, int batch, int tokens)
    {
        int w = Width;
        int stride = 3 * w;
        Linear.Apply(InProjWeight, InProjBias.Value.Span, w, 3 * w, x, w, qkv, 3 * w, batch * tokens);
        ReadOnlySpan<float> packed = qkv;
        for (int b = 0; b < batch; b++)
        {
            int t = readout[b];
            int first = b * tokens;
            int keys = Causal ? t + 1 : tokens;
            ReadOnlySpan<float> rows = packed.Slice(first * stride, keys * stride);
            Attention.Forward(
                rows[(t * stride)..], stride, rows[w..], stride, rows[(2 * w)..], stride, attended.Slice(b * w, w), w,
                1, Heads, 1, keys, HeadDim, causal: false);
        }

        OutProj.Forward(attended, y, batch);
    }

    // MaskCLIP's dense readout: the value path alone, i.e. attention in which every token attends only to itself.
    // x: [N, W] -> qkv: [N, 3W] scratch (the one in_proj GEMM of Forward, so a packed weight works unchanged; q and k
    // are computed and ignored) -> y: [N, W] = out_proj(x·W_vᵀ + b_v).
    internal void ValueForward(ReadOnlySpan<float> x, Span<float> qkv, Span<float> y, int rows)
    {
        int w = Width;
        Linear.Apply(InProjWeight, InProjBias.Value.Span, w, 3 * w, x, w, qkv, 3 * w, rows);
        OutProj.Forward(qkv[(2 * w)..], 3 * w, y, w, rows);
    }

    // x, qkv, probabilities, attended: what Forward read and kept; dy: [B, T, W] -> dx: [B, T, W] (overwritten).
    // dAttended: [B·T, W] and dQkv: [B·T, 3W] scratch.
    public void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> qkv, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> attended,
        ReadOnlySpan<float> dy, Span<float> dAttended, Span<float> dQkv, Span<float> dx, int batch, int tokens, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        int rows = batch * tokens;
        int w = Width;
        OutProj.Backward(attended, dy, dAttended, rows, grads);
        AttentionBackward.Backward(
            qkv, 3 * w, qkv[w..], 3 * w, qkv[(2 * w)..], 3 * w, probabilities, dAttended, w,
            dQkv, 3 * w, dQkv[w..], 3 * w, dQkv[(2 * w)..], 3 * w, batch, Heads, tokens, tokens, HeadDim, Causal);
        Linear.ApplyBackward(
            InProjWeight.Value.Span, grads.SpanOf(InProjWeight), grads.SpanOf(InProjBias), w, 3 * w,
            x, w, dQkv, 3 * w, dx, w, rows, accumulateDx: false);
    }
}

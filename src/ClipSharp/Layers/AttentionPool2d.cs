using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Layers;

/// <summary>
/// ModifiedResNet's head: the feature map's positions become tokens, their mean is prepended as the query token,
/// a positional embedding is added, and one multi-head attention step (separate q/k/v projections, output c_proj)
/// with the mean token as the only query produces the image embedding.
/// </summary>
public sealed class AttentionPool2d
{
    public AttentionPool2d(ParameterScope scope, int spacialDim, int embedDim, int heads, int outputDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spacialDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (embedDim % heads != 0)
        {
            throw new ArgumentException($"attention-pool width {embedDim} is not divisible by {heads} heads.", nameof(heads));
        }

        SpacialDim = spacialDim;
        EmbedDim = embedDim;
        Heads = heads;
        OutputDim = outputDim;
        float std = 1f / MathF.Sqrt(embedDim);
        PositionalEmbedding = scope.Parameter("positional_embedding", [(spacialDim * spacialDim) + 1, embedDim], ParameterInit.Normal, std);
        KProj = new Linear(scope.Child("k_proj"), embedDim, embedDim, initStd: std);
        QProj = new Linear(scope.Child("q_proj"), embedDim, embedDim, initStd: std);
        VProj = new Linear(scope.Child("v_proj"), embedDim, embedDim, initStd: std);
        CProj = new Linear(scope.Child("c_proj"), embedDim, outputDim, initStd: std);
    }

    public int SpacialDim { get; }

    public int EmbedDim { get; }

    public int Heads { get; }

    public int OutputDim { get; }

    public Parameter PositionalEmbedding { get; }

    public Linear KProj { get; }

    public Linear QProj { get; }

    public Linear VProj { get; }

    public Linear CProj { get; }

    // x: [B, C, S, S] -> y: [B, out]. The training forward's body on pooled buffers: inference keeps nothing.
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        int c = EmbedDim;
        int tokens = (SpacialDim * SpacialDim) + 1;
        using var seq = new PooledBuffer(batch * tokens * c);
        using var q = new PooledBuffer(batch * c);
        using var k = new PooledBuffer(batch * tokens * c);
        using var v = new PooledBuffer(batch * tokens * c);
        using var attended = new PooledBuffer(batch * c);
        Run(x, y, batch, seq.Span, q.Span, k.Span, v.Span, attended.Span);
    }

    // x: [B, C, S, S] -> y: [B, out], keeping the token sequence, q/k/v and the attended values for Backward.
    public AttentionPoolActivations ForwardTraining(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        int c = EmbedDim;
        int tokens = (SpacialDim * SpacialDim) + 1;
        var seq = new float[batch * tokens * c];
        var q = new float[batch * c];
        var k = new float[batch * tokens * c];
        var v = new float[batch * tokens * c];
        var attended = new float[batch * c];
        Run(x, y, batch, seq, q, k, v, attended);
        return new AttentionPoolActivations(seq, q, k, v, attended);
    }

    // The sequence is [B, 1 + S², C]: the mean token first, then positions in row-major order, plus the embedding;
    // only the mean token asks, so q is [B, C] read from row 0 of each sequence and attention forms one row of
    // scores per head. seq, q, k, v and attended are overwritten.
    private void Run(
        ReadOnlySpan<float> x, Span<float> y, int batch,
        Span<float> seq, Span<float> q, Span<float> k, Span<float> v, Span<float> attended)
    {
        int c = EmbedDim;
        int spatial = SpacialDim * SpacialDim;
        int tokens = spatial + 1;
        ReadOnlySpan<float> pos = PositionalEmbedding.Value.Span;
        for (int b = 0; b < batch; b++)
        {
            Span<float> dst = seq.Slice(b * tokens * c, tokens * c);
            for (int ch = 0; ch < c; ch++)
            {
                ReadOnlySpan<float> plane = x.Slice(((b * c) + ch) * spatial, spatial);
                double sum = 0;
                for (int p = 0; p < spatial; p++)
                {
                    dst[((p + 1) * c) + ch] = plane[p];
                    sum += plane[p];
                }

                dst[ch] = (float)(sum / spatial);
            }

            TensorPrimitives.Add(dst, pos, dst);
        }

        QProj.Forward(seq, tokens * c, q, c, batch);
        KProj.Forward(seq, k, batch * tokens);
        VProj.Forward(seq, v, batch * tokens);
        Attention.Forward(q, c, k, c, v, c, attended, c, batch, Heads, 1, tokens, c / Heads, causal: false);
        CProj.Forward(attended, y, batch);
    }

    // dy: [B, out] -> dx: [B, C, S, S] (overwritten).
    public void Backward(AttentionPoolActivations a, ReadOnlySpan<float> dy, Span<float> dx, int batch, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(grads);
        int c = EmbedDim;
        int spatial = SpacialDim * SpacialDim;
        int tokens = spatial + 1;

        var dAttended = new float[batch * c];
        CProj.Backward(a.Attended, dy, dAttended, batch, grads);
        var dq = new float[batch * c];
        var dk = new float[batch * tokens * c];
        var dv = new float[batch * tokens * c];
        AttentionBackward.Backward(
            a.Q, c, a.K, c, a.V, c, dAttended, c, dq, c, dk, c, dv, c, batch, Heads, 1, tokens, c / Heads, causal: false);

        var dSeq = new float[batch * tokens * c];
        KProj.Backward(a.Sequence, c, dk, c, dSeq, c, batch * tokens, grads, accumulateDx: false);
        VProj.Backward(a.Sequence, c, dv, c, dSeq, c, batch * tokens, grads, accumulateDx: true);
        QProj.Backward(a.Sequence, tokens * c, dq, c, dSeq, tokens * c, batch, grads, accumulateDx: true);

        Span<float> dPos = grads.View(PositionalEmbedding).Span;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> src = dSeq.AsSpan(b * tokens * c, tokens * c);
            TensorPrimitives.Add(dPos, src, dPos);
            for (int ch = 0; ch < c; ch++)
            {
                Span<float> plane = dx.Slice(((b * c) + ch) * spatial, spatial);
                float fromMean = src[ch] / spatial;
                for (int p = 0; p < spatial; p++)
                {
                    plane[p] = src[((p + 1) * c) + ch] + fromMean;
                }
            }
        }
    }
}

/// <summary>The attention pool's saved values: tokens [B, 1 + S², C], q [B, C], k and v [B, 1 + S², C], attended [B, C].</summary>
public sealed record AttentionPoolActivations(float[] Sequence, float[] Q, float[] K, float[] V, float[] Attended);

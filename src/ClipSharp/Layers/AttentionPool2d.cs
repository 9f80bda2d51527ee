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

    // x: [B, C, S, S] -> y: [B, out]. Inference needs the same buffers as training, so it is the training forward
    // with its activations dropped.
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) => ForwardTraining(x, y, batch);

    // x: [B, C, S, S] -> y: [B, out], keeping the token sequence, q/k/v and the attended values for Backward.
    // The sequence is [B, 1 + S², C]: the mean token first, then positions in row-major order, plus the embedding;
    // only the mean token asks, so q is [B, C] read from row 0 of each sequence.
    public AttentionPoolActivations ForwardTraining(ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        int c = EmbedDim;
        int spatial = SpacialDim * SpacialDim;
        int tokens = spatial + 1;
        var seq = new float[batch * tokens * c];
        ReadOnlySpan<float> pos = PositionalEmbedding.Value.Span;
        for (int b = 0; b < batch; b++)
        {
            Span<float> dst = seq.AsSpan(b * tokens * c, tokens * c);
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

        var q = new float[batch * c];
        QProj.Forward(seq, tokens * c, q, c, batch);
        var k = new float[batch * tokens * c];
        KProj.Forward(seq, k, batch * tokens);
        var v = new float[batch * tokens * c];
        VProj.Forward(seq, v, batch * tokens);
        var attended = new float[batch * c];
        Attention.Forward(q, c, k, c, v, c, attended, c, batch, Heads, 1, tokens, c / Heads, causal: false);
        CProj.Forward(attended, y, batch);
        return new AttentionPoolActivations(seq, q, k, v, attended);
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

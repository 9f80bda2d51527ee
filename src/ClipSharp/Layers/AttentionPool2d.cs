using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Layers;

/// <summary>
/// ModifiedResNet's head: the feature map's positions become tokens, their mean is prepended as the query token,
/// a positional embedding is added, and one multi-head attention step (separate q/k/v projections, output c_proj)
/// with the mean token as the only query produces the image embedding.
/// </summary>
internal sealed class AttentionPool2d
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

    /// <summary>Every parameter of the pool: what its backward pass writes gradients for.</summary>
    public IEnumerable<Parameter> Parameters()
    {
        yield return PositionalEmbedding;
        foreach (Linear projection in (Linear[])[KProj, QProj, VProj, CProj])
        {
            yield return projection.Weight;
            if (projection.Bias is not null)
            {
                yield return projection.Bias;
            }
        }
    }

    /// <summary>Tokens of the sequence: the mean token, then every position of the S×S map.</summary>
    public int Tokens => (SpacialDim * SpacialDim) + 1;

    // The sequence is [B, 1 + S², C]: the mean token first, then positions in row-major order, plus the embedding;
    // only the mean token asks, so q is [B, C] read from row 0 of each sequence and attention forms one row of
    // scores per head. x: [B, C, S, S] -> y: [B, out], through seq [B, 1 + S², C], q [B, C], k and v [B, 1 + S², C],
    // probabilities [B, heads, 1, 1 + S²] (or empty: not written) and attended [B, C], all overwritten.
    public void Forward(
        ReadOnlySpan<float> x, Span<float> y, int batch,
        Span<float> seq, Span<float> q, Span<float> k, Span<float> v, Span<float> probabilities, Span<float> attended)
    {
        int c = EmbedDim;
        int tokens = Tokens;
        Sequence(x, seq, batch);
        QProj.Forward(seq, tokens * c, q, c, batch);
        KProj.Forward(seq, k, batch * tokens);
        VProj.Forward(seq, v, batch * tokens);
        if (probabilities.IsEmpty)
        {
            Attention.Forward(q, c, k, c, v, c, attended, c, batch, Heads, 1, tokens, c / Heads, causal: false);
        }
        else
        {
            Attention.Forward(q, c, k, c, v, c, attended, c, probabilities, batch, Heads, 1, tokens, c / Heads, causal: false);
        }

        CProj.Forward(attended, y, batch);
    }

    /// <summary>
    /// Dense features without training (MaskCLIP, Zhou et al., ECCV 2022): every position's value, as if it attended
    /// only to itself. With x_p the feature map at position p (row-major) and pos the positional embedding (row 0 the
    /// mean token's), <c>dense_p = c_proj(v_proj(x_p + pos[1 + p]))</c>: the positions get their embedding added as
    /// <see cref="Forward"/> adds it, and q, k and the mean token play no part.
    /// x: [B, C, S, S] -> y: [B, S², out], through seq and v [B, 1 + S², C] (overwritten).
    /// </summary>
    public void ForwardDense(ReadOnlySpan<float> x, Span<float> y, int batch, Span<float> seq, Span<float> v)
    {
        int c = EmbedDim;
        int spatial = SpacialDim * SpacialDim;
        int tokens = Tokens;
        Sequence(x, seq, batch);
        VProj.Forward(seq, v, batch * tokens);
        for (int b = 0; b < batch; b++)
        {
            CProj.Forward(v.Slice(((b * tokens) + 1) * c, spatial * c), y.Slice(b * spatial * OutputDim, spatial * OutputDim), spatial);
        }
    }

    // x: [B, C, S, S] -> seq: [B, 1 + S², C], the mean token first, then the positions, plus the positional embedding.
    private void Sequence(ReadOnlySpan<float> x, Span<float> seq, int batch)
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
    }

    // seq, q, k, v, probabilities, attended: what Forward wrote (probabilities kept); dy: [B, out] -> dx: [B, C, S, S]
    // (overwritten). dAttended [B, C], dq [B, C], dk and dv and dSeq [B, 1 + S², C]: scratch.
    public void Backward(
        ReadOnlySpan<float> seq, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> probabilities, ReadOnlySpan<float> attended, ReadOnlySpan<float> dy, Span<float> dx, int batch,
        Span<float> dAttended, Span<float> dq, Span<float> dk, Span<float> dv, Span<float> dSeq, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        int c = EmbedDim;
        int spatial = SpacialDim * SpacialDim;
        int tokens = spatial + 1;

        CProj.Backward(attended, dy, dAttended, batch, grads);
        AttentionBackward.Backward(
            q, c, k, c, v, c, probabilities, dAttended, c, dq, c, dk, c, dv, c, batch, Heads, 1, tokens, c / Heads, causal: false);

        KProj.Backward(seq, c, dk, c, dSeq, c, batch * tokens, grads, accumulateDx: false);
        VProj.Backward(seq, c, dv, c, dSeq, c, batch * tokens, grads, accumulateDx: true);
        QProj.Backward(seq, tokens * c, dq, c, dSeq, tokens * c, batch, grads, accumulateDx: true);

        Span<float> dPos = grads.SpanOf(PositionalEmbedding);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> src = dSeq.Slice(b * tokens * c, tokens * c);
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

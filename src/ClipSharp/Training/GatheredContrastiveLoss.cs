using ClipSharp.Distributed;
using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Training;

/// <summary>
/// The contrastive loss of a global batch spread over the ranks of a job, as open_clip's <c>gather_with_grad</c> +
/// <c>local_loss</c>: each rank normalises its b_r local rows, all-gathers the normalised image and text features of
/// the B = Σ b_r rows, computes the loss terms of its own rows against all B columns, and backpropagates into its
/// local features with the gradient flowing back through the gather. The ranks' losses sum to the loss of the whole
/// batch, and their gradients to its gradients, so the result equals one process's <see cref="ContrastiveLoss"/> on
/// the concatenated batch up to the order of the floating-point sums.
/// </summary>
/// <remarks>
/// The derivation. With A, T [B, E] the gathered normalised image and text rows, s = exp(logit_scale), and R the
/// rows [o, o + b) of this rank, the rank's share of the loss is
///   ℓ_r = (1/2B) Σ_{i∈R} [lse_j(s·a_i·t_j) − s·a_i·t_i] + (1/2B) Σ_{i∈R} [lse_j(s·t_i·a_j) − s·t_i·a_i],
/// the first sum over rows of logits_per_image, the second over rows of logits_per_text (columns of the first), and
/// the loss of the batch is ℓ = Σ_r ℓ_r. With G = (softmax_rows(s·a_R·Tᵀ) − I_R)/2B and G' the same for s·t_R·Aᵀ
/// (both [b, B], I_R the one-hot of row i at column o + i):
///   ∂ℓ_r/∂a_k = s·(G·T)_k [k ∈ R]  +  s·(G'ᵀ·t_R)_k   (every k: a_k is a column of the text rows' logits),
///   ∂ℓ_r/∂t_k = s·(G'·A)_k [k ∈ R] +  s·(Gᵀ·a_R)_k    (every k).
/// So rank r's loss reaches the features of every row, not only its own: the gathered copy of another rank's row k
/// receives a gradient that belongs to its owner. The owner's full gradient is ∂ℓ/∂a_k = Σ_r ∂ℓ_r/∂a_k, the sum of
/// what every rank computed for that row: the backward of an all-gather is a reduce-scatter (sum). It is taken as one:
/// the [2B, E] feature gradient is laid out by owner (rank q's block: its image rows, its text rows, its loss slot),
/// and a reduce-scatter hands each rank the sum of its own block, half the bytes of an all-reduce of the whole; then
/// through the local normalisation as in one process. d ℓ_r/d logit_scale = Σ G⊙(s·a_R·Tᵀ) + Σ G'⊙(s·t_R·Aᵀ) is this rank's share; the
/// trainer's gradient all-reduce sums the shares.
/// </remarks>
internal sealed class GatheredContrastiveLoss(ICommunicator communicator)
{
    private readonly float[] _counts = new float[2 * communicator.Size];
    private float[] _image = [];
    private float[] _text = [];
    private float[] _localNorms = [];
    private float[] _gatheredImage = [];
    private float[] _gatheredText = [];
    private float[] _imageLogits = [];
    private float[] _textLogits = [];
    private float[] _imageGrad = [];
    private float[] _textGrad = [];
    private float[] _dFeatures = [];
    private float[] _byOwner = [];
    private float[] _owned = [];
    private int[] _featureCounts = [];
    private int[] _ownedCounts = [];
    private int _rows;
    private int _batch;

    /// <summary>logits_per_image of this rank's rows against the global batch, [b, B], of the last <see cref="Compute"/>.</summary>
    public ReadOnlySpan<float> Logits => _imageLogits.AsSpan(0, _rows * _batch);

    /// <summary>Rows of the global batch, B, of the last <see cref="Compute"/>.</summary>
    public int GlobalBatch => _batch;

    /// <summary>
    /// The loss of the global batch (the same on every rank), from this rank's b pairs of raw E-dimensional features;
    /// dImage, dText [b, E] receive the gradients of the global loss with respect to them, and dLogitScale this rank's
    /// share of its derivative with respect to logit_scale. Collective: every rank calls it for the same step.
    /// </summary>
    /// <exception cref="TrainingDivergedException">Some rank's features are not finite or cannot be normalised, or the loss is not finite; thrown on every rank.</exception>
    public float Compute(
        ReadOnlySpan<float> image, ReadOnlySpan<float> text, int b, int e, float logitScale, long step,
        Span<float> dImage, Span<float> dText, out float dLogitScale)
    {
        int size = communicator.Size;
        int be = b * e;
        ContrastiveLoss.Grow(ref _image, be);
        ContrastiveLoss.Grow(ref _text, be);
        ContrastiveLoss.Grow(ref _localNorms, 2 * b);
        Span<float> a = _image.AsSpan(0, be);
        Span<float> t = _text.AsSpan(0, be);
        Span<float> norms = _localNorms.AsSpan(0, 2 * b);
        // An empty shard is usable (TensorPrimitives.IsFiniteAll of nothing is false).
        bool usable = b == 0 || (TensorPrimitives.IsFiniteAll(image) && TensorPrimitives.IsFiniteAll(text)
            && ContrastiveLoss.TryNormalize(image, a, norms[..b], b, e) < 0
            && ContrastiveLoss.TryNormalize(text, t, norms[b..], b, e) < 0);

        // Every rank learns every rank's row count and whether its features were usable, so all decide alike.
        Span<float> mine = [b, usable ? 0f : 1f];
        communicator.AllGather(mine, _counts);
        Array.Resize(ref _featureCounts, size);
        Array.Resize(ref _ownedCounts, size);
        int batch = 0;
        int offset = 0;
        bool anyUnusable = false;
        for (int r = 0; r < size; r++)
        {
            int rows = (int)_counts[2 * r];
            if (r == communicator.Rank)
            {
                offset = batch;
            }

            _featureCounts[r] = rows * e;
            _ownedCounts[r] = (2 * rows * e) + 1;
            batch += rows;
            anyUnusable |= _counts[(2 * r) + 1] != 0;
        }

        if (anyUnusable)
        {
            IEnumerable<int> unusable = Enumerable.Range(0, size).Where(r => _counts[(2 * r) + 1] != 0);
            throw new TrainingDivergedException(
                $"the model's features overflowed to NaN or infinity (or to a zero norm) at step {step} on rank {string.Join(", ", unusable)} of {size}, "
                + "so the loss is not finite; the parameters were left unchanged.",
                step, null);
        }

        if (batch == 0)
        {
            throw new ArgumentException($"every rank's shard of the batch of step {step} is empty.", nameof(b));
        }

        _rows = b;
        _batch = batch;
        int bb = b * batch;
        int all = batch * e;
        ContrastiveLoss.Grow(ref _gatheredImage, all);
        ContrastiveLoss.Grow(ref _gatheredText, all);
        ContrastiveLoss.Grow(ref _imageLogits, bb);
        ContrastiveLoss.Grow(ref _textLogits, bb);
        ContrastiveLoss.Grow(ref _imageGrad, bb);
        ContrastiveLoss.Grow(ref _textGrad, bb);
        ContrastiveLoss.Grow(ref _dFeatures, 2 * all);
        ContrastiveLoss.Grow(ref _byOwner, (2 * all) + size);
        ContrastiveLoss.Grow(ref _owned, (2 * be) + 1);
        Span<float> gatheredImage = _gatheredImage.AsSpan(0, all);
        Span<float> gatheredText = _gatheredText.AsSpan(0, all);
        communicator.AllGather(a, gatheredImage, _featureCounts);
        communicator.AllGather(t, gatheredText, _featureCounts);

        float scale = MathF.Exp(logitScale);
        Span<float> imageLogits = _imageLogits.AsSpan(0, bb);
        Span<float> textLogits = _textLogits.AsSpan(0, bb);
        Span<float> g = _imageGrad.AsSpan(0, bb);
        Span<float> gt = _textGrad.AsSpan(0, bb);
        Span<float> dFeatures = _dFeatures.AsSpan(0, 2 * all);
        Span<float> dA = dFeatures[..all];
        Span<float> dT = dFeatures.Slice(all, all);
        dFeatures.Clear();
        double loss = 0;
        dLogitScale = 0;
        if (b > 0)
        {
            // logits_per_image rows R: s·a_R·Tᵀ; logits_per_text rows R: s·t_R·Aᵀ. Targets: column o + i.
            Gemm.Sgemm(false, true, b, batch, e, scale, a, e, gatheredText, e, 0f, imageLogits, batch);
            Gemm.Sgemm(false, true, b, batch, e, scale, t, e, gatheredImage, e, 0f, textLogits, batch);
            for (int i = 0; i < b; i++)
            {
                loss += ContrastiveLoss.LogSoftmaxRow(imageLogits.Slice(i * batch, batch), g.Slice(i * batch, batch), offset + i);
                loss += ContrastiveLoss.LogSoftmaxRow(textLogits.Slice(i * batch, batch), gt.Slice(i * batch, batch), offset + i);
                g[(i * batch) + offset + i] -= 1f;
                gt[(i * batch) + offset + i] -= 1f;
            }

            float inverse = 1f / (2f * batch);
            TensorPrimitives.Multiply(g, inverse, g);
            TensorPrimitives.Multiply(gt, inverse, gt);
            dLogitScale = TensorPrimitives.Dot(g, imageLogits) + TensorPrimitives.Dot(gt, textLogits);

            // This rank's rows: dA_R = s·G·T, dT_R = s·G'·A; every row: dA += s·G'ᵀ·t_R, dT += s·Gᵀ·a_R.
            Gemm.Sgemm(false, false, b, e, batch, scale, g, batch, gatheredText, e, 0f, dA.Slice(offset * e, be), e);
            Gemm.Sgemm(false, false, b, e, batch, scale, gt, batch, gatheredImage, e, 0f, dT.Slice(offset * e, be), e);
            Gemm.Sgemm(true, false, batch, e, b, scale, gt, batch, t, e, 1f, dA, e);
            Gemm.Sgemm(true, false, batch, e, b, scale, g, batch, a, e, 1f, dT, e);
        }

        // The backward of the gather: each row's gradients from every rank, summed on the row's owner alone. The
        // owners' rows interleave image and text, so the gradient is copied into owner order first; this rank's share
        // of the loss goes into every owner's last slot, so that each receives the sum.
        Span<float> byOwner = _byOwner.AsSpan(0, (2 * all) + size);
        float share = (float)(loss / (2.0 * batch));
        int at = 0;
        int from = 0;
        for (int q = 0; q < size; q++)
        {
            int length = _featureCounts[q];
            dA.Slice(from, length).CopyTo(byOwner.Slice(at, length));
            dT.Slice(from, length).CopyTo(byOwner.Slice(at + length, length));
            byOwner[at + (2 * length)] = share;
            at += _ownedCounts[q];
            from += length;
        }

        Span<float> owned = _owned.AsSpan(0, (2 * be) + 1);
        communicator.ReduceScatterSum(byOwner, owned, _ownedCounts);
        float total = owned[^1];
        if (!float.IsFinite(total))
        {
            throw new TrainingDivergedException($"the loss is {total} at step {step}; the parameters were left unchanged.", step, null);
        }

        ContrastiveLoss.NormalizeBackward(a, owned[..be], norms[..b], dImage, b, e);
        ContrastiveLoss.NormalizeBackward(t, owned.Slice(be, be), norms[b..], dText, b, e);
        return total;
    }
}

using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Training;

/// <summary>
/// CLIP's symmetric contrastive loss: logits = exp(logit_scale) · img_n · txt_nᵀ with rows L2-normalised, cross-entropy
/// against the diagonal over rows (image → text) and over columns (text → image), averaged; differentiated through
/// the normalisation and the scale. The B×B logits are one GEMM and each direction one vectorised log-softmax per
/// row (the columns through a transpose), so a large gradient-cached batch costs O(B²·E) multiply-adds in the GEMMs
/// and O(B²) elsewhere. An instance keeps its buffers for the next batch of the same or a smaller shape.
/// </summary>
public sealed class ContrastiveLoss
{
    private float[] _image = [];
    private float[] _text = [];
    private float[] _norms = [];
    private float[] _logits = [];
    private float[] _rows = [];
    private float[] _columns = [];
    private float[] _dLogits = [];
    private float[] _dImage = [];
    private float[] _dText = [];
    private int _batch;

    /// <summary>logits_per_image [B, B] of the last <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, float, Span{float}, Span{float}, out float)"/>.</summary>
    internal ReadOnlySpan<float> Logits => _logits.AsSpan(0, _batch * _batch);

    // image, text: [B, E] raw tower outputs, row i of each a matching pair.
    public static ContrastiveLossResult Compute(Tensor image, Tensor text, float logitScale)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(text);
        if (image.Rank != 2 || text.Rank != 2 || image.Dim(0) != text.Dim(0) || image.Dim(1) != text.Dim(1) || image.Dim(0) < 1)
        {
            throw new ArgumentException(
                $"the contrastive loss needs image and text features of one shape [B >= 1, E], got {image.ShapeString} and {text.ShapeString}.",
                nameof(text));
        }

        int n = image.Dim(0);
        int e = image.Dim(1);
        var loss = new ContrastiveLoss();
        var dImage = new float[n * e];
        var dText = new float[n * e];
        float value = loss.Compute(image.Span, text.Span, n, e, logitScale, dImage, dText, out float dScale);
        return new ContrastiveLossResult(
            value, new Tensor(loss.Logits.ToArray(), n, n), new Tensor(dImage, n, e), new Tensor(dText, n, e), dScale);
    }

    /// <summary>
    /// The loss of B pairs of E-dimensional features; dImage, dText [B, E] receive its gradients (overwritten) and
    /// dLogitScale its derivative with respect to logit_scale. A row that cannot be normalised (norm 0, NaN or ∞) is an
    /// <see cref="ArgumentException"/>; a non-finite loss is returned as it is, for the caller to judge.
    /// </summary>
    internal float Compute(
        ReadOnlySpan<float> image, ReadOnlySpan<float> text, int n, int e, float logitScale,
        Span<float> dImage, Span<float> dText, out float dLogitScale)
    {
        int nn = n * n;
        _batch = n;
        Grow(ref _image, n * e);
        Grow(ref _text, n * e);
        Grow(ref _norms, 2 * n);
        Grow(ref _logits, nn);
        Grow(ref _rows, nn);
        Grow(ref _columns, nn);
        Grow(ref _dLogits, nn);
        Grow(ref _dImage, n * e);
        Grow(ref _dText, n * e);
        Span<float> a = _image.AsSpan(0, n * e);
        Span<float> b = _text.AsSpan(0, n * e);
        Span<float> logits = _logits.AsSpan(0, nn);
        Normalize(image, a, _norms.AsSpan(0, n), n, e, nameof(image));
        Normalize(text, b, _norms.AsSpan(n, n), n, e, nameof(text));
        float scale = MathF.Exp(logitScale);

        // logits[i, j] = scale · a_i · b_j: logits_per_image; its transpose is logits_per_text.
        Gemm.Sgemm(false, true, n, n, e, scale, a, e, b, e, 0f, logits, n);
        Span<float> rows = _rows.AsSpan(0, nn);
        Span<float> columns = _columns.AsSpan(0, nn);
        Transpose(logits, columns, n);

        // Each direction: cross-entropy against the diagonal, Σ (logsumexp − target logit); probabilities kept.
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            loss += LogSoftmaxRow(logits.Slice(i * n, n), rows.Slice(i * n, n), i);
            loss += LogSoftmaxRow(columns.Slice(i * n, n), columns.Slice(i * n, n), i);
        }

        // dLogits = (softmax over rows − I + (softmax over columns − I)ᵀ) / (2B); d/d logit_scale = Σ dLogits ⊙ logits
        // (logits are linear in exp(logit_scale)).
        Span<float> dLogits = _dLogits.AsSpan(0, nn);
        Transpose(columns, dLogits, n);
        TensorPrimitives.Add(dLogits, rows, dLogits);
        for (int i = 0; i < n; i++)
        {
            dLogits[(i * n) + i] -= 2f;
        }

        TensorPrimitives.Multiply(dLogits, 1f / (2f * n), dLogits);
        dLogitScale = TensorPrimitives.Dot(dLogits, logits);

        // Through the cosines: da = scale·dL·b, db = scale·dLᵀ·a; then through each row's normalisation.
        Span<float> da = _dImage.AsSpan(0, n * e);
        Span<float> db = _dText.AsSpan(0, n * e);
        Gemm.Sgemm(false, false, n, e, n, scale, dLogits, n, b, e, 0f, da, e);
        Gemm.Sgemm(true, false, n, e, n, scale, dLogits, n, a, e, 0f, db, e);
        NormalizeBackward(a, da, _norms.AsSpan(0, n), dImage, n, e);
        NormalizeBackward(b, db, _norms.AsSpan(n, n), dText, n, e);
        return (float)(loss / (2.0 * n));
    }

    // Row i of one direction: p = softmax(row) (p may be row itself); returns logsumexp(row) − row[target].
    internal static double LogSoftmaxRow(Span<float> row, Span<float> p, int target)
    {
        float max = TensorPrimitives.Max(row);
        float logit = row[target];
        TensorPrimitives.Subtract(row, max, p);
        TensorPrimitives.Exp(p, p);
        float sum = TensorPrimitives.Sum(p);
        TensorPrimitives.Multiply(p, 1f / sum, p);
        return max + Math.Log(sum) - logit;
    }

    private static void Transpose(ReadOnlySpan<float> x, Span<float> y, int n)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                y[(j * n) + i] = x[(i * n) + j];
            }
        }
    }

    private static void Normalize(ReadOnlySpan<float> x, Span<float> y, Span<float> norms, int n, int e, string name)
    {
        int bad = TryNormalize(x, y, norms, n, e);
        if (bad >= 0)
        {
            throw new ArgumentException($"{name} feature row {bad} has norm {norms[bad]}; it cannot be L2-normalised.", name);
        }
    }

    // Rows of x L2-normalised into y, their norms kept; stops at the first row that cannot be (norm 0, NaN or ∞)
    // and returns its index, or −1 when every row was.
    internal static int TryNormalize(ReadOnlySpan<float> x, Span<float> y, Span<float> norms, int n, int e)
    {
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * e, e);
            float norm = TensorPrimitives.Norm(row);
            norms[i] = norm;
            if (norm == 0 || !float.IsFinite(norm))
            {
                return i;
            }

            TensorPrimitives.Multiply(row, 1f / norm, y.Slice(i * e, e));
        }

        return -1;
    }

    // y = x/‖x‖: dx = (dy − y·(y·dy)) / ‖x‖, row by row.
    internal static void NormalizeBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> norms, Span<float> dx, int n, int e)
    {
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> yr = y.Slice(i * e, e);
            ReadOnlySpan<float> dyr = dy.Slice(i * e, e);
            Span<float> dxr = dx.Slice(i * e, e);
            float dot = TensorPrimitives.Dot(yr, dyr);
            TensorPrimitives.MultiplyAdd(yr, -dot, dyr, dxr);
            TensorPrimitives.Multiply(dxr, 1f / norms[i], dxr);
        }
    }

    internal static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}

using ClipSharp.Tensors;

namespace ClipSharp.Training;

/// <summary>
/// CLIP's symmetric contrastive loss: logits = exp(logit_scale) · img_n · txt_nᵀ with rows L2-normalised, cross-entropy
/// against the diagonal over rows (image → text) and over columns (text → image), averaged. Computed in double (the
/// matrix is only B×B) and differentiated through the normalisation and the scale.
/// </summary>
public static class ContrastiveLoss
{
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
        double[] a = Normalize(image.Span, n, e, out double[] imageNorms);
        double[] b = Normalize(text.Span, n, e, out double[] textNorms);
        double scale = Math.Exp(logitScale);

        var logits = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < e; k++)
                {
                    dot += a[(i * e) + k] * b[(j * e) + k];
                }

                logits[(i * n) + j] = scale * dot;
            }
        }

        // dLogits = (softmax over rows − I + softmax over columns − I) / (2B).
        var dLogits = new double[n * n];
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            loss += SoftmaxCrossEntropy(logits, i * n, 1, n, i, dLogits);
            loss += SoftmaxCrossEntropy(logits, i, n, n, i, dLogits);
        }

        loss /= 2.0 * n;
        double dScale = 0;
        for (int i = 0; i < dLogits.Length; i++)
        {
            dLogits[i] /= 2.0 * n;
            dScale += dLogits[i] * logits[i];
        }

        // Through the cosines: da = scale·dL·b, db = scale·dLᵀ·a; then through each row's normalisation.
        var dImage = new float[n * e];
        var dText = new float[n * e];
        var da = new double[e];
        var db = new double[e];
        for (int i = 0; i < n; i++)
        {
            Array.Clear(da);
            Array.Clear(db);
            for (int j = 0; j < n; j++)
            {
                double gRow = scale * dLogits[(i * n) + j];
                double gCol = scale * dLogits[(j * n) + i];
                for (int k = 0; k < e; k++)
                {
                    da[k] += gRow * b[(j * e) + k];
                    db[k] += gCol * a[(j * e) + k];
                }
            }

            NormalizeBackward(a.AsSpan(i * e, e), da, imageNorms[i], dImage.AsSpan(i * e, e));
            NormalizeBackward(b.AsSpan(i * e, e), db, textNorms[i], dText.AsSpan(i * e, e));
        }

        var perImage = new float[n * n];
        for (int i = 0; i < perImage.Length; i++)
        {
            perImage[i] = (float)logits[i];
        }

        return new ContrastiveLossResult(
            (float)loss, new Tensor(perImage, n, n), new Tensor(dImage, n, e), new Tensor(dText, n, e), (float)dScale);
    }

    // Cross-entropy of the n logits at start, start+stride, ... against the target; adds softmax − onehot into grad.
    private static double SoftmaxCrossEntropy(double[] logits, int start, int stride, int n, int target, double[] grad)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < n; j++)
        {
            max = Math.Max(max, logits[start + (j * stride)]);
        }

        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            sum += Math.Exp(logits[start + (j * stride)] - max);
        }

        double logSum = max + Math.Log(sum);
        for (int j = 0; j < n; j++)
        {
            int at = start + (j * stride);
            grad[at] += Math.Exp(logits[at] - logSum) - (j == target ? 1.0 : 0.0);
        }

        return logSum - logits[start + (target * stride)];
    }

    private static double[] Normalize(ReadOnlySpan<float> x, int n, int e, out double[] norms)
    {
        var result = new double[n * e];
        norms = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sq = 0;
            for (int k = 0; k < e; k++)
            {
                sq += (double)x[(i * e) + k] * x[(i * e) + k];
            }

            double norm = Math.Sqrt(sq);
            if (norm == 0 || !double.IsFinite(norm))
            {
                throw new ArgumentException($"feature row {i} has norm {norm}; it cannot be L2-normalised.", nameof(x));
            }

            norms[i] = norm;
            for (int k = 0; k < e; k++)
            {
                result[(i * e) + k] = x[(i * e) + k] / norm;
            }
        }

        return result;
    }

    // y = x/‖x‖: dx = (dy − y·(y·dy)) / ‖x‖.
    private static void NormalizeBackward(ReadOnlySpan<double> y, ReadOnlySpan<double> dy, double norm, Span<float> dx)
    {
        double dot = 0;
        for (int k = 0; k < y.Length; k++)
        {
            dot += y[k] * dy[k];
        }

        for (int k = 0; k < y.Length; k++)
        {
            dx[k] = (float)((dy[k] - (y[k] * dot)) / norm);
        }
    }
}

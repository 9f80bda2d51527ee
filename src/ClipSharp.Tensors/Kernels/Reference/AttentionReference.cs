namespace ClipSharp.Tensors.Kernels.Reference;

internal static class AttentionReference
{
    // Scaled dot-product attention per (batch, head), materialising the score matrix.
    // Element (b, t, h, d) of q lives at q[(b*queryLength + t)*qStride + h*headDim + d]; k, v, o likewise
    // with their own lengths and strides, so q/k/v can be column slices of one packed [B*T, 3W] buffer.
    // causal: query i sees keys j <= i (the additive -inf mask of CLIP's text tower).
    public static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal)
    {
        double scale = 1.0 / Math.Sqrt(headDim);
        var scores = new double[keyLength];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < queryLength; i++)
                {
                    int qRow = (((b * queryLength) + i) * qStride) + (h * headDim);
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < keyLength; j++)
                    {
                        if (causal && j > i)
                        {
                            scores[j] = double.NegativeInfinity;
                            continue;
                        }

                        int kRow = (((b * keyLength) + j) * kStride) + (h * headDim);
                        double dot = 0;
                        for (int d = 0; d < headDim; d++)
                        {
                            dot += (double)q[qRow + d] * k[kRow + d];
                        }

                        scores[j] = dot * scale;
                        max = Math.Max(max, scores[j]);
                    }

                    double sum = 0;
                    for (int j = 0; j < keyLength; j++)
                    {
                        scores[j] = double.IsNegativeInfinity(scores[j]) ? 0 : Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }

                    int oRow = (((b * queryLength) + i) * oStride) + (h * headDim);
                    for (int d = 0; d < headDim; d++)
                    {
                        double acc = 0;
                        for (int j = 0; j < keyLength; j++)
                        {
                            acc += scores[j] * v[(((b * keyLength) + j) * vStride) + (h * headDim) + d];
                        }

                        o[oRow + d] = (float)(acc / sum);
                    }
                }
            }
        }
    }
}

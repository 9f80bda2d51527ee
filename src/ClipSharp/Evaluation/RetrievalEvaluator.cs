using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Evaluation;

/// <summary>
/// Cross-modal retrieval over paired embeddings: image i belongs with text i. Image→text recall at K is the fraction
/// of images whose own text ranks among the K most similar texts; text→image the same the other way. Ties with the
/// own item count against it.
/// </summary>
public static class RetrievalEvaluator
{
    /// <param name="imageEmbeddings">L2-normalised [N, E].</param>
    /// <param name="textEmbeddings">L2-normalised [N, E], row i the text of image i.</param>
    public static RetrievalReport Evaluate(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        ArgumentNullException.ThrowIfNull(textEmbeddings);
        if (imageEmbeddings.Rank != 2 || textEmbeddings.Rank != 2 || imageEmbeddings.Dim(0) != textEmbeddings.Dim(0)
            || imageEmbeddings.Dim(1) != textEmbeddings.Dim(1) || imageEmbeddings.Dim(0) == 0)
        {
            throw new ArgumentException(
                $"retrieval needs as many texts as images, at least one, of one embedding size; got {imageEmbeddings.ShapeString} and {textEmbeddings.ShapeString}.");
        }

        int n = imageEmbeddings.Dim(0), e = imageEmbeddings.Dim(1);
        // similarity: [N images, N texts]
        var similarity = new float[n * n];
        Gemm.Sgemm(false, true, n, n, e, 1f, imageEmbeddings.Span, e, textEmbeddings.Span, e, 0f, similarity, n);
        var imageRanks = new int[n];
        var textRanks = new int[n];
        for (int i = 0; i < n; i++)
        {
            float own = similarity[(i * n) + i];
            for (int j = 0; j < n; j++)
            {
                if (j == i)
                {
                    continue;
                }

                if (similarity[(i * n) + j] >= own)
                {
                    imageRanks[i]++;
                }

                if (similarity[(j * n) + i] >= own)
                {
                    textRanks[i]++;
                }
            }
        }

        double R(int[] ranks, int k) => ranks.Count(r => r < k) / (double)n;
        return new RetrievalReport(n, R(imageRanks, 1), R(imageRanks, 5), R(imageRanks, 10), R(textRanks, 1), R(textRanks, 5), R(textRanks, 10));
    }
}

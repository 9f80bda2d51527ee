using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Evaluation;

/// <summary>Zero-shot accuracy from embeddings: each image goes to the class whose text embedding is most similar.</summary>
public static class ZeroShotEvaluator
{
    /// <param name="imageEmbeddings">L2-normalised image embeddings [N, E].</param>
    /// <param name="labels">The true class of each image, 0 to C-1.</param>
    /// <param name="classEmbeddings">L2-normalised class embeddings [C, E] (e.g. a <see cref="ZeroShot.ZeroShotClassifier"/>'s).</param>
    /// <param name="classNames">C names.</param>
    public static ZeroShotReport Evaluate(Tensor imageEmbeddings, IReadOnlyList<int> labels, Tensor classEmbeddings, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classEmbeddings);
        ArgumentNullException.ThrowIfNull(classNames);
        int c = classNames.Count;
        if (classEmbeddings.Rank != 2 || classEmbeddings.Dim(0) != c || imageEmbeddings.Rank != 2 || imageEmbeddings.Dim(1) != classEmbeddings.Dim(1))
        {
            throw new ArgumentException(
                $"image embeddings {imageEmbeddings.ShapeString} and class embeddings {classEmbeddings.ShapeString} do not fit {c} classes of one embedding size.");
        }

        int n = imageEmbeddings.Dim(0);
        if (labels.Count != n || n == 0)
        {
            throw new ArgumentException($"{labels.Count} labels for {n} images; there must be one per image and at least one image.", nameof(labels));
        }

        if (labels.Any(l => l < 0 || l >= c))
        {
            throw new ArgumentException($"labels must be 0 to {c - 1}.", nameof(labels));
        }

        int e = classEmbeddings.Dim(1);
        // cosine: [N, C]
        var cosine = new float[n * c];
        Gemm.Sgemm(false, true, n, c, e, 1f, imageEmbeddings.Span, e, classEmbeddings.Span, e, 0f, cosine, c);
        var confusion = new int[c, c];
        var predictions = new int[n];
        int top1 = 0, top5 = 0;
        var perClassHits = new int[c];
        var perClassCount = new int[c];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = cosine.AsSpan(i * c, c);
            int truth = labels[i];
            float own = row[truth];
            int better = 0;
            int best = 0;
            for (int j = 0; j < c; j++)
            {
                // Ties count against the true class, so a constant model never scores above chance.
                if (j != truth && row[j] >= own)
                {
                    better++;
                }

                if (row[j] > row[best])
                {
                    best = j;
                }
            }

            predictions[i] = best;
            confusion[truth, best]++;
            perClassCount[truth]++;
            if (better == 0)
            {
                top1++;
                perClassHits[truth]++;
            }

            if (better < 5)
            {
                top5++;
            }
        }

        var perClass = Enumerable.Range(0, c)
            .Select(j => new ClassAccuracy(classNames[j], perClassCount[j], perClassCount[j] == 0 ? double.NaN : perClassHits[j] / (double)perClassCount[j]))
            .ToArray();
        return new ZeroShotReport(classNames, n, top1 / (double)n, top5 / (double)n, perClass, confusion, predictions);
    }
}

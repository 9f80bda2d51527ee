using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.ZeroShot;

/// <summary>One class and the model's probability for it.</summary>
public readonly record struct ClassScore(string Label, float Probability, float Cosine);

/// <summary>
/// Zero-shot classification as in the CLIP paper: each class name is put into every prompt template, the
/// normalised text embeddings of a class are averaged and normalised again, and an image is scored by
/// softmax(exp(logit_scale) · cosine) over the classes.
/// </summary>
public sealed class ZeroShotClassifier
{
    private readonly float _scale;

    private ZeroShotClassifier(IReadOnlyList<string> labels, Tensor classEmbeddings, float scale)
    {
        Labels = labels;
        ClassEmbeddings = classEmbeddings;
        _scale = scale;
    }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>The ensembled, normalised class embeddings: [C, E].</summary>
    public Tensor ClassEmbeddings { get; }

    public static ZeroShotClassifier Create(Clip clip, IReadOnlyList<string> labels, IReadOnlyList<string>? templates = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(labels);
        templates ??= PromptTemplates.Default;
        if (labels.Count == 0)
        {
            throw new ArgumentException("zero-shot classification needs at least one label.", nameof(labels));
        }

        if (templates.Count == 0)
        {
            throw new ArgumentException("zero-shot classification needs at least one prompt template.", nameof(templates));
        }

        var duplicate = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"label \"{duplicate.Key}\" is given more than once.", nameof(labels));
        }

        foreach (string t in templates)
        {
            PromptTemplates.Validate(t, "template");
        }

        var prompts = new List<string>(labels.Count * templates.Count);
        foreach (string label in labels)
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                throw new ArgumentException("a label is empty.", nameof(labels));
            }

            prompts.AddRange(templates.Select(t => PromptTemplates.Apply(t, label)));
        }

        Tensor promptEmbeddings = clip.EncodeTexts(prompts, normalize: true);
        int e = clip.EmbedDim;
        var classes = Tensor.Zeros(labels.Count, e);
        for (int c = 0; c < labels.Count; c++)
        {
            Span<float> mean = classes.Span.Slice(c * e, e);
            for (int t = 0; t < templates.Count; t++)
            {
                TensorPrimitives.Add(mean, promptEmbeddings.Span.Slice(((c * templates.Count) + t) * e, e), mean);
            }

            TensorPrimitives.Divide(mean, templates.Count, mean);
        }

        return new ZeroShotClassifier(labels, ClipModel.Normalize(classes), MathF.Exp(clip.Model.LogitScale));
    }

    /// <summary>Scores normalised image embeddings [N, E]; returns per image the classes sorted by probability, best first.</summary>
    public IReadOnlyList<ClassScore[]> Classify(Tensor imageEmbeddings, int topK = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        int e = ClassEmbeddings.Dim(1);
        if (imageEmbeddings.Rank != 2 || imageEmbeddings.Dim(1) != e)
        {
            throw new ArgumentException($"image embeddings must be [N, {e}], got {imageEmbeddings.ShapeString}.", nameof(imageEmbeddings));
        }

        int n = imageEmbeddings.Dim(0);
        int c = Labels.Count;
        Tensor images = ClipModel.Normalize(imageEmbeddings);
        var cosine = new float[n * c];
        Gemm.Sgemm(false, true, n, c, e, 1f, images.Span, e, ClassEmbeddings.Span, e, 0f, cosine, c);
        var probabilities = new float[n * c];
        TensorPrimitives.Multiply(cosine, _scale, probabilities);
        Softmax.Forward(probabilities, probabilities, n, c);

        var results = new ClassScore[n][];
        for (int i = 0; i < n; i++)
        {
            results[i] = Enumerable.Range(0, c)
                .Select(j => new ClassScore(Labels[j], probabilities[(i * c) + j], cosine[(i * c) + j]))
                .OrderByDescending(s => s.Probability)
                .ThenBy(s => s.Label, StringComparer.Ordinal)
                .Take(Math.Min(topK, c))
                .ToArray();
        }

        return results;
    }
}

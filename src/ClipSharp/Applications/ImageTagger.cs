using System.Numerics.Tensors;
using Tensor = ClipSharp.Tensors.Tensor;

namespace ClipSharp.Applications;

/// <summary>
/// Multi-label tagging: each label is decided on its own, by a softmax (at the model's logit scale) of the
/// image's cosines with the label's prompt and its negative prompts. The probability of the prompt is the
/// verdict's score, so labels do not compete with each other as they do in zero-shot classification.
/// </summary>
public sealed class ImageTagger
{
    public const float DefaultThreshold = 0.5f;

    private readonly Clip _clip;
    private readonly float[] _prompts;
    private readonly float[][] _negatives;

    private ImageTagger(Clip clip, IReadOnlyList<TagLabel> labels, float threshold, float[] prompts, float[][] negatives)
    {
        _clip = clip;
        Labels = labels;
        Threshold = threshold;
        _prompts = prompts;
        _negatives = negatives;
    }

    public IReadOnlyList<TagLabel> Labels { get; }

    public float Threshold { get; }

    public static ImageTagger Create(Clip clip, IReadOnlyList<TagLabel> labels, float threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("no labels to tag with.", nameof(labels));
        }

        if (!(threshold is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold is a probability between 0 and 1.");
        }

        Tensor prompts = clip.EncodeTexts([.. labels.Select(l => l.Prompt)]);
        var negatives = new float[labels.Count][];
        for (int i = 0; i < labels.Count; i++)
        {
            negatives[i] = clip.EncodeTexts(labels[i].Negatives).Span.ToArray();
        }

        return new ImageTagger(clip, labels, threshold, prompts.Span.ToArray(), negatives);
    }

    /// <summary>Verdicts for image embeddings [N, D] (normalised), named by <paramref name="names"/>.</summary>
    public IReadOnlyList<TagVerdict> Tag(IReadOnlyList<string> names, ReadOnlySpan<float> imageEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(names);
        int d = _clip.EmbedDim;
        if (imageEmbeddings.Length != names.Count * d)
        {
            throw new ArgumentException($"{names.Count} images need {names.Count * d} embedding values, got {imageEmbeddings.Length}.", nameof(imageEmbeddings));
        }

        float scale = MathF.Exp(_clip.Model.LogitScale);
        var verdicts = new TagVerdict[names.Count];
        for (int n = 0; n < names.Count; n++)
        {
            ReadOnlySpan<float> image = imageEmbeddings.Slice(n * d, d);
            var scores = new TagScore[Labels.Count];
            for (int l = 0; l < Labels.Count; l++)
            {
                int m = Labels[l].Negatives.Count;
                var logits = new float[m + 1];
                float cosine = TensorPrimitives.Dot(image, _prompts.AsSpan(l * d, d));
                logits[0] = scale * cosine;
                for (int j = 0; j < m; j++)
                {
                    logits[j + 1] = scale * TensorPrimitives.Dot(image, _negatives[l].AsSpan(j * d, d));
                }

                TensorPrimitives.SoftMax(logits, logits);
                float threshold = Labels[l].Threshold ?? Threshold;
                scores[l] = new TagScore(Labels[l].Name, logits[0], cosine, threshold, logits[0] >= threshold);
            }

            verdicts[n] = new TagVerdict(names[n], scores);
        }

        return verdicts;
    }
}

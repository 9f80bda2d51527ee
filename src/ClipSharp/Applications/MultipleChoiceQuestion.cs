using System.Numerics.Tensors;
using Tensor = ClipSharp.Tensors.Tensor;

namespace ClipSharp.Applications;

/// <summary>
/// Multiple-choice visual question answering with CLIP: each answer becomes a prompt together with the question,
/// and the answers are ranked by a softmax (at the model's logit scale) of the image's cosines with those prompts.
/// </summary>
public static class MultipleChoiceQuestion
{
    public const string QuestionPlaceholder = "{question}";
    public const string AnswerPlaceholder = "{answer}";

    /// <summary>Question and answer side by side, as a caption would read: "what colour is the car? red".</summary>
    public const string DefaultTemplate = "{question} {answer}";

    public static IReadOnlyList<string> Prompts(string question, IReadOnlyList<string> choices, string template = DefaultTemplate)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(choices);
        ArgumentNullException.ThrowIfNull(template);
        if (!template.Contains(AnswerPlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the template \"{template}\" has no {AnswerPlaceholder} placeholder.", nameof(template));
        }

        if (choices.Count < 2)
        {
            throw new ArgumentException($"a multiple-choice question needs at least two choices, got {choices.Count}.", nameof(choices));
        }

        string? duplicate = choices.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).FirstOrDefault();
        if (duplicate is not null)
        {
            throw new ArgumentException($"choice \"{duplicate}\" appears more than once.", nameof(choices));
        }

        return [.. choices.Select(c => template.Replace(QuestionPlaceholder, question.Trim(), StringComparison.Ordinal).Replace(AnswerPlaceholder, c, StringComparison.Ordinal))];
    }

    /// <summary>Ranks the choices for one image embedding [D] (normalised), most probable first.</summary>
    public static IReadOnlyList<ChoiceScore> Answer(Clip clip, ReadOnlySpan<float> image, string question, IReadOnlyList<string> choices, string template = DefaultTemplate)
    {
        ArgumentNullException.ThrowIfNull(clip);
        IReadOnlyList<string> prompts = Prompts(question, choices, template);
        int d = clip.EmbedDim;
        if (image.Length != d)
        {
            throw new ArgumentException($"the image embedding has {image.Length} values, the model's are {d}.", nameof(image));
        }

        Tensor texts = clip.EncodeTexts(prompts);
        float scale = MathF.Exp(clip.Model.LogitScale);
        var cosines = new float[choices.Count];
        for (int i = 0; i < choices.Count; i++)
        {
            cosines[i] = TensorPrimitives.Dot(image, texts.Span.Slice(i * d, d));
        }

        var probabilities = new float[choices.Count];
        TensorPrimitives.Multiply(cosines, scale, probabilities);
        TensorPrimitives.SoftMax(probabilities, probabilities);
        return [.. Enumerable.Range(0, choices.Count)
            .Select(i => new ChoiceScore(choices[i], prompts[i], probabilities[i], cosines[i]))
            .OrderByDescending(s => s.Probability)];
    }
}

using ClipSharp.Applications;
using ClipSharp.Tests.Search;

namespace ClipSharp.Tests.Applications;

public sealed class MultipleChoiceQuestionTests
{
    [Fact]
    public void PromptsCombineTheQuestionWithEachAnswer()
    {
        Assert.Equal(
            ["what colour is the car? red", "what colour is the car? blue"],
            MultipleChoiceQuestion.Prompts(" what colour is the car? ", ["red", "blue"]));
        Assert.Equal(
            ["a photo of a red car.", "a photo of a blue car."],
            MultipleChoiceQuestion.Prompts("ignored", ["red", "blue"], "a photo of a {answer} car."));
    }

    [Fact]
    public void AnswersAreTheSoftmaxOfScaledCosinesMostLikelyFirst()
    {
        Clip clip = TinyClip.Instance;
        float[] image = clip.EncodeImages([ClipSharp.Imaging.ImageDecoder.Decode(GeneratedImages.Png(5), "img")]).Span.ToArray();
        string[] choices = ["red", "blue", "green"];
        IReadOnlyList<ChoiceScore> scores = MultipleChoiceQuestion.Answer(clip, image, "what colour is it?", choices);
        Assert.Equal(1.0, scores.Sum(s => (double)s.Probability), 5);
        Assert.True(scores.Zip(scores.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));

        var expected = clip.TextProbabilities(Clip.CosineSimilarity(
            new Tensors.Tensor(image, 1, clip.EmbedDim), clip.EncodeTexts([.. choices.Select(c => $"what colour is it? {c}")])));
        foreach (ChoiceScore s in scores)
        {
            Assert.Equal(expected.Span[Array.IndexOf(choices, s.Answer)], s.Probability, 1e-5f);
        }
    }

    [Fact]
    public void FewerThanTwoOrRepeatedChoicesAreRefused()
    {
        Assert.Contains("at least two", Assert.Throws<ArgumentException>(() => MultipleChoiceQuestion.Prompts("q", ["a"])).Message, StringComparison.Ordinal);
        Assert.Contains("\"a\" appears more than once", Assert.Throws<ArgumentException>(() => MultipleChoiceQuestion.Prompts("q", ["a", "a"])).Message, StringComparison.Ordinal);
        Assert.Contains("{answer}", Assert.Throws<ArgumentException>(() => MultipleChoiceQuestion.Prompts("q", ["a", "b"], "{question}")).Message, StringComparison.Ordinal);
    }
}

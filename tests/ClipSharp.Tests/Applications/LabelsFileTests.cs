using ClipSharp.Applications;

namespace ClipSharp.Tests.Applications;

public sealed class LabelsFileTests
{
    [Fact]
    public void ReadsNamesPromptsNegativesAndThresholds()
    {
        IReadOnlyList<TagLabel> labels = LabelsFile.Parse(
            [
                "# moderation labels",
                "cat",
                "",
                "dog | threshold=0.7",
                "weapon | prompt=a photo of a gun. | negative=a photo of a toy. | negative=a photo of a tool.",
            ],
            "labels.txt");
        Assert.Equal(3, labels.Count);
        Assert.Equal(new TagLabel("cat", "a photo of cat.", [TagLabel.DefaultNegative], null).Prompt, labels[0].Prompt);
        Assert.Equal([TagLabel.DefaultNegative], labels[0].Negatives);
        Assert.Null(labels[0].Threshold);
        Assert.Equal(0.7f, labels[1].Threshold);
        Assert.Equal("a photo of a gun.", labels[2].Prompt);
        Assert.Equal(["a photo of a toy.", "a photo of a tool."], labels[2].Negatives);
    }

    [Theory]
    [InlineData("cat\ncat", "labels.txt:2: label \"cat\" appears more than once.")]
    [InlineData("cat | threshold=1.5", "labels.txt:1: threshold \"1.5\" is not a probability between 0 and 1.")]
    [InlineData("cat | colour=red", "labels.txt:1: unknown field \"colour\" (expected prompt, negative or threshold).")]
    [InlineData("cat | prompt", "labels.txt:1: field \"prompt\" needs the form key=value.")]
    [InlineData(" | threshold=0.5", "labels.txt:1: the label name is empty.")]
    [InlineData("# only a comment", "labels.txt: no labels.")]
    public void BadLinesNameTheLineAndTheProblem(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => LabelsFile.Parse(text.Split('\n'), "labels.txt"));
        Assert.Equal(message, e.Message);
    }
}

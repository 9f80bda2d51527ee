using System.Numerics.Tensors;
using ClipSharp.Applications;
using ClipSharp.Tests.Search;

namespace ClipSharp.Tests.Applications;

public sealed class ImageTaggerTests
{
    [Fact]
    public void EachLabelIsItsPromptAgainstItsNegativesAtTheLogitScale()
    {
        Clip clip = TinyClip.Instance;
        IReadOnlyList<TagLabel> labels = LabelsFile.Parse(
            ["cat", "dog | negative=a photo of a cat. | negative=a photo of a car. | threshold=0.01", "same | prompt=a photo. | negative=a photo. | threshold=0.5"], "test");
        var tagger = ImageTagger.Create(clip, labels, threshold: 0.99f);
        float[] images = clip.EncodeImages([ClipSharp.Imaging.ImageDecoder.Decode(GeneratedImages.Png(1), "a"), ClipSharp.Imaging.ImageDecoder.Decode(GeneratedImages.Png(2), "b")]).Span.ToArray();
        IReadOnlyList<TagVerdict> verdicts = tagger.Tag(["a", "b"], images);
        Assert.Equal(2, verdicts.Count);
        float scale = MathF.Exp(clip.Model.LogitScale);
        int d = clip.EmbedDim;
        for (int n = 0; n < 2; n++)
        {
            float[] image = images.AsSpan(n * d, d).ToArray();
            TagScore dog = verdicts[n].Scores[1];
            float[] texts = clip.EncodeTexts(["a photo of dog.", "a photo of a cat.", "a photo of a car."]).Span.ToArray();
            float[] logits = [.. Enumerable.Range(0, 3).Select(i => scale * TensorPrimitives.Dot(image, texts.AsSpan(i * d, d)))];
            TensorPrimitives.SoftMax(logits, logits);
            Assert.Equal(logits[0], dog.Probability, 1e-5f);
            Assert.Equal(0.01f, dog.Threshold);
            Assert.Equal(dog.Probability >= 0.01f, dog.Match);
            Assert.Equal(0.99f, verdicts[n].Scores[0].Threshold);

            // A prompt against itself is a coin toss, whatever the image.
            Assert.Equal(0.5f, verdicts[n].Scores[2].Probability, 1e-6f);
            Assert.True(verdicts[n].Scores[2].Match);
            Assert.Equal(verdicts[n].Scores.Where(s => s.Match).Select(s => s.Label), verdicts[n].Tags);
        }
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        IReadOnlyList<TagLabel> labels = LabelsFile.Parse(["cat"], "test");
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageTagger.Create(TinyClip.Instance, labels, 1.5f));
        var tagger = ImageTagger.Create(TinyClip.Instance, labels);
        Assert.Throws<ArgumentException>(() => tagger.Tag(["a"], new float[3]));
    }
}

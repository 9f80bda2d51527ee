using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Tests.Pipeline;
using ClipSharp.ZeroShot;

namespace ClipSharp.Tests.ZeroShot;

public sealed class ZeroShotClassifierTests
{
    private static readonly string[] s_labels = ["cat", "residual block", "snowy street"];

    private static Clip TinyClip() => Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);

    [Fact]
    public void ClassEmbeddingIsTheNormalisedMeanOfNormalisedPromptEmbeddings()
    {
        Clip clip = TinyClip();
        string[] templates = ["a photo of a {}.", "a drawing of a {}.", "{}"];
        var classifier = ZeroShotClassifier.Create(clip, s_labels, templates);

        int e = clip.EmbedDim;
        for (int c = 0; c < s_labels.Length; c++)
        {
            Tensor prompts = clip.EncodeTexts([.. templates.Select(t => t.Replace("{}", s_labels[c], StringComparison.Ordinal))]);
            var mean = new double[e];
            for (int i = 0; i < prompts.Length; i++)
            {
                mean[i % e] += prompts.Span[i] / templates.Length;
            }

            double norm = Math.Sqrt(mean.Sum(v => v * v));
            for (int j = 0; j < e; j++)
            {
                Assert.Equal(mean[j] / norm, classifier.ClassEmbeddings.Span[(c * e) + j], 1e-5f);
            }
        }
    }

    [Fact]
    public void ProbabilitiesAreASoftmaxOfScaledCosinesSortedBestFirst()
    {
        Clip clip = TinyClip();
        var classifier = ZeroShotClassifier.Create(clip, s_labels, PromptTemplates.Single);
        string[] images = GoldenPipelineTests.ImagePaths();
        var embeddings = new Tensor(clip.EncodeImageFiles(images, cancellation: TestContext.Current.CancellationToken).SelectMany(r => r.Embedding!).ToArray(), images.Length, clip.EmbedDim);

        IReadOnlyList<ClassScore[]> all = classifier.Classify(embeddings);
        IReadOnlyList<ClassScore[]> top2 = classifier.Classify(embeddings, topK: 2);
        double scale = Math.Exp(clip.Model.LogitScale);
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(s_labels.Length, all[i].Length);
            Assert.Equal(1.0, all[i].Sum(s => s.Probability), 1e-5);
            Assert.True(all[i].Zip(all[i].Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
            Assert.Equal(all[i].Take(2), top2[i]);

            double denominator = all[i].Sum(s => Math.Exp(scale * s.Cosine));
            foreach (ClassScore s in all[i])
            {
                Assert.Equal(Math.Exp(scale * s.Cosine) / denominator, s.Probability, 1e-5);
            }
        }
    }

    [Fact]
    public void RejectsBadLabelsAndTemplates()
    {
        Clip clip = TinyClip();
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => ZeroShotClassifier.Create(clip, ["cat", "cat"])).Message, StringComparison.Ordinal);
        Assert.Contains("at least one label", Assert.Throws<ArgumentException>(() => ZeroShotClassifier.Create(clip, [])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ZeroShotClassifier.Create(clip, ["cat"], ["a photo without a placeholder"]));
    }
}

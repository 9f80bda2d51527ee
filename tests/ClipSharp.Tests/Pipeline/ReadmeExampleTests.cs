using ClipSharp.Imaging;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.ZeroShot;

namespace ClipSharp.Tests.Pipeline;

/// <summary>The README's library example, run on the fixture model that ships with the repository.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void TheLibraryExampleRunsOnTheShippedFixtureModel()
    {
        string cat = Fixtures.GoldenPath("preprocess", "square_224x224.png");
        string dog = Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg");
        Clip clip = Clip.Load(
            Fixtures.GoldenPath("model", "vit_tiny"),
            Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "tiny-bpe", "bpe_tiny_1000.txt.gz"), TestContext.Current.CancellationToken);

        IReadOnlyList<EmbeddingResult> images = clip.EncodeImageFiles([cat, dog], cancellation: TestContext.Current.CancellationToken);
        Tensor texts = clip.EncodeTexts(["a photo of a cat", "a photo of a dog"]);
        Tensor cosine = Clip.CosineSimilarity(clip.EncodeImages([ImageDecoder.Decode(cat)]), texts);

        var classifier = ZeroShotClassifier.Create(clip, ["cat", "dog"], PromptTemplates.Default);
        ClassScore best = classifier.Classify(clip.EncodeImages([ImageDecoder.Decode(cat)]))[0][0];

        Assert.All(images, r => Assert.Equal(clip.EmbedDim, r.Embedding!.Length));
        Assert.Equal([1, 2], cosine.Shape.ToArray());
        Assert.Equal(images[0].Embedding, clip.EncodeImages([ImageDecoder.Decode(cat)]).ToArray());
        Assert.Contains(best.Label, new[] { "cat", "dog" });
        Assert.InRange(best.Probability, 0.5f, 1f);
    }
}

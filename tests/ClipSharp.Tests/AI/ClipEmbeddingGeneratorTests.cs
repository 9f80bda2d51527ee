using ClipSharp.AI;
using ClipSharp.Tests.Search;
using Microsoft.Extensions.AI;

namespace ClipSharp.Tests.AI;

public sealed class ClipEmbeddingGeneratorTests
{
    [Fact]
    public async Task TextGeneratorGivesTheModelsNormalisedTextEmbeddings()
    {
        Clip clip = TinyClip.Instance;
        using IEmbeddingGenerator<string, Embedding<float>> generator = new ClipTextEmbeddingGenerator(clip);
        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(["a cat", "a dog"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, embeddings.Count);
        float[] expected = clip.EncodeTexts(["a cat", "a dog"]).Span.ToArray();
        Assert.Equal(expected.AsSpan(0, clip.EmbedDim).ToArray(), embeddings[0].Vector.ToArray());
        Assert.Equal(expected.AsSpan(clip.EmbedDim, clip.EmbedDim).ToArray(), embeddings[1].Vector.ToArray());
        Assert.Equal(clip.Name, embeddings[0].ModelId);

        EmbeddingGeneratorMetadata metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(clip.EmbedDim, metadata.DefaultModelDimensions);
        Assert.Equal("ClipSharp", metadata.ProviderName);
        Assert.Same(clip, generator.GetService<Clip>());

        // The MEAI extension for a single value goes through the same interface method.
        Embedding<float> one = await generator.GenerateAsync("a cat", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(embeddings[0].Vector.ToArray(), one.Vector.ToArray());
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 7 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ImageGeneratorEmbedsImageBytesInTheSameSpace()
    {
        Clip clip = TinyClip.Instance;
        using var folder = new TempFolder("clipsharp-meai-");
        byte[] png = GeneratedImages.Png(9);
        File.WriteAllBytes(folder["a.png"], png);
        using IEmbeddingGenerator<DataContent, Embedding<float>> generator = new ClipImageEmbeddingGenerator(clip);
        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(
            [new DataContent(png, "image/png")], cancellationToken: TestContext.Current.CancellationToken);
        float[] expected = clip.EncodeImageFiles([folder["a.png"]], cancellation: TestContext.Current.CancellationToken)[0].Embedding!;
        Assert.Equal(expected, embeddings.Single().Vector.ToArray());

        var e = await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(
            [new DataContent("hello"u8.ToArray(), "text/plain")], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("text/plain is not an image", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ClipSharp.Imaging.ImageDecodeException>(() => generator.GenerateAsync(
            [new DataContent("junk"u8.ToArray(), "image/png")], cancellationToken: TestContext.Current.CancellationToken));
    }
}

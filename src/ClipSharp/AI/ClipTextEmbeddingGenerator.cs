using Microsoft.Extensions.AI;

namespace ClipSharp.AI;

/// <summary>CLIP's text tower as a Microsoft.Extensions.AI embedding generator: normalised embeddings in the shared image–text space.</summary>
public sealed class ClipTextEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Clip _clip;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public ClipTextEmbeddingGenerator(Clip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        _clip = clip;
        _metadata = ClipEmbeddings.Metadata(clip);
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ClipEmbeddings.CheckDimensions(_clip, options);
        var texts = values.ToList();
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null)
            {
                throw new ArgumentException($"text {i} is null.", nameof(values));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        float[] flat = texts.Count == 0 ? [] : _clip.EncodeTexts(texts).Span.ToArray();
        return Task.FromResult(ClipEmbeddings.Split(_clip, flat, texts.Count));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => ClipEmbeddings.GetService(this, _clip, _metadata, serviceType, serviceKey);

    public void Dispose()
    {
    }
}

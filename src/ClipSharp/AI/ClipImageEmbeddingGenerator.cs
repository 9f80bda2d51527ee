using ClipSharp.Imaging;
using Microsoft.Extensions.AI;

namespace ClipSharp.AI;

/// <summary>
/// CLIP's image tower as a Microsoft.Extensions.AI embedding generator over <see cref="DataContent"/> images
/// (PNG, JPEG, … bytes): normalised embeddings in the same space as <see cref="ClipTextEmbeddingGenerator"/>'s.
/// </summary>
public sealed class ClipImageEmbeddingGenerator : IEmbeddingGenerator<DataContent, Embedding<float>>
{
    private readonly Clip _clip;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public ClipImageEmbeddingGenerator(Clip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        _clip = clip;
        _metadata = ClipEmbeddings.Metadata(clip);
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ClipEmbeddings.CheckDimensions(_clip, options);
        var contents = values.ToList();
        var images = new DecodedImage[contents.Count];
        for (int i = 0; i < contents.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DataContent content = contents[i] ?? throw new ArgumentException($"image {i} is null.", nameof(values));
            string name = content.Name ?? $"image {i}";
            if (!content.HasTopLevelMediaType("image"))
            {
                throw new ArgumentException($"{name}: media type {content.MediaType} is not an image.", nameof(values));
            }

            images[i] = ImageDecoder.Decode(content.Data.Span, name);
        }

        float[] flat = images.Length == 0 ? [] : _clip.EncodeImages(images).Span.ToArray();
        return Task.FromResult(ClipEmbeddings.Split(_clip, flat, images.Length));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => ClipEmbeddings.GetService(this, _clip, _metadata, serviceType, serviceKey);

    public void Dispose()
    {
    }
}

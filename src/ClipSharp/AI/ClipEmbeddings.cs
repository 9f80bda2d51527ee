using Microsoft.Extensions.AI;

namespace ClipSharp.AI;

/// <summary>What the text and image generators share: metadata, option checks and the split of a batch into embeddings.</summary>
internal static class ClipEmbeddings
{
    public const string ProviderName = "ClipSharp";

    public static EmbeddingGeneratorMetadata Metadata(Clip clip) => new(ProviderName, null, clip.Name, clip.EmbedDim);

    public static void CheckDimensions(Clip clip, EmbeddingGenerationOptions? options)
    {
        if (options?.Dimensions is int wanted && wanted != clip.EmbedDim)
        {
            throw new ArgumentException($"the model {clip.Name} produces {clip.EmbedDim}-dimensional embeddings, not {wanted}.", nameof(options));
        }
    }

    // flat: [N, D] -> N embeddings.
    public static GeneratedEmbeddings<Embedding<float>> Split(Clip clip, float[] flat, int count)
    {
        int d = clip.EmbedDim;
        var result = new GeneratedEmbeddings<Embedding<float>>(count);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        for (int i = 0; i < count; i++)
        {
            result.Add(new Embedding<float>(flat.AsMemory(i * d, d)) { ModelId = clip.Name, CreatedAt = now });
        }

        return result;
    }

    public static object? GetService(object generator, Clip clip, EmbeddingGeneratorMetadata metadata, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return metadata;
        }

        if (serviceType.IsInstanceOfType(generator))
        {
            return generator;
        }

        return serviceType == typeof(Clip) ? clip : null;
    }
}

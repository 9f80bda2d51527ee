using ClipSharp.AI;
using Microsoft.Extensions.AI;

namespace ClipSharp.VectorData;

/// <summary>Turns what an app searches with into a query embedding: a vector as it is, a text or an image through the CLIP generators.</summary>
internal sealed class ClipQueryVector
{
    private readonly ClipTextEmbeddingGenerator _texts;
    private readonly ClipImageEmbeddingGenerator _images;

    public ClipQueryVector(Clip clip)
    {
        _texts = new ClipTextEmbeddingGenerator(clip);
        _images = new ClipImageEmbeddingGenerator(clip);
    }

    public async Task<ReadOnlyMemory<float>> EmbedAsync<TInput>(TInput searchValue, string collection, CancellationToken cancellation)
    {
        switch (searchValue)
        {
            case null:
                throw new ArgumentNullException(nameof(searchValue));
            case ReadOnlyMemory<float> vector:
                return vector;
            case float[] vector:
                return vector;
            case Embedding<float> embedding:
                return embedding.Vector;
            case string text:
                return (await _texts.GenerateAsync([text], cancellationToken: cancellation).ConfigureAwait(false))[0].Vector;
            case DataContent image:
                return (await _images.GenerateAsync([image], cancellationToken: cancellation).ConfigureAwait(false))[0].Vector;
            default:
                throw new NotSupportedException(
                    $"{collection}: cannot search with a {typeof(TInput).Name}; search with a vector (ReadOnlyMemory<float>, float[] or "
                    + "Embedding<float>), a text (string) or an image (DataContent).");
        }
    }
}

using ClipSharp.Tensors;

namespace ClipSharp.Evaluation;

/// <summary>Embeds every image of a <see cref="LabelledImageFolder"/>; an unreadable image is an error naming it.</summary>
public static class ImageFolderEmbeddings
{
    /// <returns>L2-normalised embeddings [N, E] in the folder's file order.</returns>
    public static Tensor Encode(Clip clip, LabelledImageFolder folder, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(folder);
        IReadOnlyList<EmbeddingResult> results = clip.EncodeImageFiles(folder.Files, normalize: true, progress: progress);
        EmbeddingResult? failed = results.FirstOrDefault(r => !r.Success);
        if (failed is not null)
        {
            throw new InvalidDataException($"{failed.Input}: cannot be evaluated: {failed.Error}");
        }

        int e = clip.EmbedDim;
        var data = new float[results.Count * e];
        for (int i = 0; i < results.Count; i++)
        {
            results[i].Embedding!.CopyTo(data, i * e);
        }

        return new Tensor(data, results.Count, e);
    }
}

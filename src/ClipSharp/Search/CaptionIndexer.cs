namespace ClipSharp.Search;

/// <summary>Builds a caption index (one entry per text) for image→text search.</summary>
public static class CaptionIndexer
{
    /// <summary>Adds the captions not yet in the index; returns how many were new.</summary>
    public static int Add(Clip clip, string indexPath, IEnumerable<string> captions, string? modelId = null, int? exactThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(captions);
        using var writer = SearchIndexWriter.Open(indexPath, modelId ?? ModelIdentity.Compute(clip), clip.Name, clip.EmbedDim, EntryKind.Text);
        var fresh = captions.Select(c => c.Trim()).Where(c => c.Length > 0 && !writer.Entries.ContainsKey(c)).Distinct(StringComparer.Ordinal).ToList();
        const int Batch = 256;
        for (int start = 0; start < fresh.Count; start += Batch)
        {
            var chunk = fresh.GetRange(start, Math.Min(Batch, fresh.Count - start));
            Tensors.Tensor embeddings = clip.EncodeTexts(chunk);
            var pending = new List<PendingEntry>(chunk.Count);
            for (int i = 0; i < chunk.Count; i++)
            {
                pending.Add(new PendingEntry(chunk[i], chunk[i].Length, 0, null, 0, 0, embeddings.Span.Slice(i * clip.EmbedDim, clip.EmbedDim).ToArray()));
            }

            writer.Commit(pending);
        }

        writer.UpdateGraph(exactThreshold);
        return fresh.Count;
    }
}

using ClipSharp.Bulk;
using ClipSharp.Distributed;
using ClipSharp.Imaging;

namespace ClipSharp.Search;

/// <summary>
/// Builds and updates an image index from folders with one model: skips files whose size and mtime are unchanged
/// (and, when only the mtime moved, whose content hash is unchanged), embeds new and changed files in batches
/// (decoding in parallel), and commits each batch atomically so that an interrupted run loses at most a batch.
/// Under MPI the ranks of a job share the embedding and rank 0 alone writes the index.
/// </summary>
public sealed class ImageIndexer
{
    public const int DefaultBatchSize = 64;

    private readonly Clip _clip;

    public ImageIndexer(Clip clip, string? modelId = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        _clip = clip;
        ModelId = modelId ?? ModelIdentity.Compute(clip);
    }

    public string ModelId { get; }

    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The job whose ranks share the embedding (see <see cref="Add(string, IReadOnlyList{string}, IReadOnlyList{string}, IProgress{IndexProgress}?, CancellationToken)"/>); null: one process.</summary>
    public ICommunicator? Communicator { get; init; }

    /// <summary>Entries from which a graph is kept; null: the threshold the index was last given (or the default).</summary>
    public int? ExactThreshold { get; init; }

    /// <summary>Indexes the images under <paramref name="root"/>.</summary>
    public IndexAddSummary Add(string indexPath, string root, IProgress<IndexProgress>? progress = null, CancellationToken cancellation = default)
    {
        (List<string> files, List<string> outside) = FolderScanner.Scan(root);
        return Add(indexPath, files, outside, progress, cancellation);
    }

    /// <summary>Indexes the given image files (full paths, as <see cref="FolderScanner"/> lists them).</summary>
    /// <remarks>
    /// With a <see cref="Communicator"/> of N ranks every rank calls it and rank 0 owns the index: rank 0's file
    /// list is the job's, rank 0 opens the writer, decides per batch of <see cref="BatchSize"/>·N files which need
    /// embedding, and tells the others; each rank embeds its <see cref="BatchShard"/> of those; the embeddings are
    /// gathered and rank 0 commits the batch as one process would. The summary is the job's on rank 0; the other
    /// ranks' count only the files scanned.
    /// </remarks>
    public IndexAddSummary Add(
        string indexPath, IReadOnlyList<string> files, IReadOnlyList<string> outsideLinks, IProgress<IndexProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(outsideLinks);
        ICommunicator job = Communicator ?? SingleProcessCommunicator.Instance;
        bool root = job.Rank == 0;
        using SearchIndexWriter? writer = root ? SearchIndexWriter.Open(indexPath, ModelId, _clip.Name, _clip.EmbedDim, EntryKind.Image) : null;
        IReadOnlyList<string> all = job.Size == 1 ? files : BinaryMessage.ToStrings(job.BroadcastBytes(root ? BinaryMessage.FromStrings(files) : null, 0));
        var skipped = new List<SkippedFile>();
        int added = 0, updated = 0, unchanged = 0;
        int step = checked(BatchSize * job.Size);
        for (int start = 0; start < all.Count; start += step)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(step, all.Count - start);
            BatchPlan? plan = writer is null ? null : PlanBatch(all, start, count, writer, skipped, cancellation);
            unchanged += plan?.Unchanged ?? 0;

            // Which files need embedding is rank 0's decision (it alone reads the index); each rank embeds its share.
            IReadOnlyList<string> toEmbed = job.Size == 1
                ? [.. plan!.ToEmbed.Select(p => p.Path)]
                : BinaryMessage.ToStrings(job.BroadcastBytes(plan is null ? null : BinaryMessage.FromStrings([.. plan.ToEmbed.Select(p => p.Path)]), 0));
            IReadOnlyList<EmbeddingResult> results = BatchShard.Of(job).Take(toEmbed) is { Count: > 0 } share
                ? _clip.EncodeImageFiles(share, cancellation: cancellation)
                : [];
            if (job.Size > 1)
            {
                results = [.. job.AllGatherBytes(EmbeddingResultCodec.Encode(results)).SelectMany(EmbeddingResultCodec.Decode)];
            }

            if (writer is null)
            {
                continue;
            }

            var pending = new List<PendingEntry>(results.Count);
            for (int i = 0; i < results.Count; i++)
            {
                FilePlan p = plan!.ToEmbed[i];
                if (!results[i].Success)
                {
                    skipped.Add(new SkippedFile(p.Path, results[i].Error!));
                    continue;
                }

                pending.Add(new PendingEntry(p.Path, p.Size, p.MtimeTicks, p.Hash, p.Width, p.Height, results[i].Embedding!));
                if (writer.Entries.ContainsKey(p.Path))
                {
                    updated++;
                }
                else
                {
                    added++;
                }
            }

            writer.Commit(pending, plan!.Touched);
            progress?.Report(new IndexProgress(start + count, all.Count));
        }

        if (writer is null)
        {
            return new IndexAddSummary(all.Count, 0, 0, 0, [], outsideLinks, 0);
        }

        writer.UpdateGraph(ExactThreshold);
        return new IndexAddSummary(all.Count, added, updated, unchanged, skipped, outsideLinks, writer.Entries.Count);
    }

    private static BatchPlan PlanBatch(IReadOnlyList<string> files, int start, int count, SearchIndexWriter writer, List<SkippedFile> skipped, CancellationToken cancellation)
    {
        var plans = new FilePlan?[count];
        var problems = new string?[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Tensors.Parallelism.MaxThreads, CancellationToken = cancellation }, i =>
        {
            try
            {
                plans[i] = Plan(files[start + i], writer.Entries);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageDecodeException)
            {
                problems[i] = e.Message;
            }
        });

        var touched = new List<(string, long)>();
        var toEmbed = new List<FilePlan>();
        int unchanged = 0;
        for (int i = 0; i < count; i++)
        {
            if (problems[i] is string problem)
            {
                skipped.Add(new SkippedFile(files[start + i], problem));
            }
            else if (plans[i]!.Unchanged)
            {
                unchanged++;
                if (plans[i]!.Touch)
                {
                    touched.Add((plans[i]!.Path, plans[i]!.MtimeTicks));
                }
            }
            else
            {
                toEmbed.Add(plans[i]!);
            }
        }

        return new BatchPlan(toEmbed, touched, unchanged);
    }

    /// <summary>Drops the entries whose files no longer exist; returns how many.</summary>
    public static int Sync(string indexPath, int? exactThreshold = null)
    {
        using var writer = SearchIndexWriter.OpenExisting(indexPath);
        var gone = writer.Entries.Keys.Where(path => !File.Exists(path)).ToList();
        int removed = writer.Remove(gone);
        writer.UpdateGraph(exactThreshold);
        return removed;
    }

    private static FilePlan Plan(string path, IReadOnlyDictionary<string, IndexEntry> entries)
    {
        var info = new FileInfo(path);
        long size = info.Length;
        long mtime = info.LastWriteTimeUtc.Ticks;
        if (entries.TryGetValue(path, out IndexEntry? known))
        {
            if (known.Size == size && known.MtimeTicks == mtime)
            {
                return new FilePlan(path, size, mtime, known.Hash, known.Width, known.Height, Unchanged: true, Touch: false);
            }

            string hash = ContentHash.Of(path);
            if (known.Size == size && string.Equals(known.Hash, hash, StringComparison.Ordinal))
            {
                // Same bytes, new mtime (a copy, a touch): keep the embedding and remember the new mtime.
                return new FilePlan(path, size, mtime, hash, known.Width, known.Height, Unchanged: true, Touch: true);
            }

            return Changed(path, size, mtime, hash);
        }

        return Changed(path, size, mtime, ContentHash.Of(path));
    }

    private static FilePlan Changed(string path, long size, long mtime, string hash)
    {
        ImageInfo header = ImageDecoder.Peek(path);
        return new FilePlan(path, size, mtime, hash, header.Width, header.Height, Unchanged: false, Touch: false);
    }

    private sealed record BatchPlan(List<FilePlan> ToEmbed, List<(string Source, long MtimeTicks)> Touched, int Unchanged);

    private sealed record FilePlan(string Path, long Size, long MtimeTicks, string? Hash, int Width, int Height, bool Unchanged, bool Touch);
}

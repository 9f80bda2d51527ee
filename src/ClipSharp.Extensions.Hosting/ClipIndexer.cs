using ClipSharp.Search;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Hosting;

/// <summary>Adds image folders to the configured index with the shared model, logging each committed batch.</summary>
public sealed partial class ClipIndexer
{
    private readonly Clip _clip;
    private readonly ILogger _logger;

    public ClipIndexer(Clip clip, string indexPath, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentException.ThrowIfNullOrWhiteSpace(indexPath);
        ArgumentNullException.ThrowIfNull(logger);
        _clip = clip;
        IndexPath = indexPath;
        _logger = logger;
    }

    public string IndexPath { get; }

    /// <summary>Indexes the images under <paramref name="folder"/>; a cancelled call keeps every batch committed before it stopped.</summary>
    public IndexAddSummary AddFolder(string folder, CancellationToken cancellation = default)
    {
        LogStarted(_logger, folder, IndexPath);
        IndexAddSummary summary = new ImageIndexer(_clip).Add(IndexPath, folder, ClipProgressLog.Index(_logger), cancellation);
        LogFinished(_logger, folder, summary.Added, summary.Updated, summary.Unchanged, summary.Skipped.Count, summary.Total);
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing {Folder} into {Index}")]
    private static partial void LogStarted(ILogger logger, string folder, string index);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Folder}: {Added} added, {Updated} updated, {Unchanged} unchanged, {Skipped} skipped; the index holds {Total}")]
    private static partial void LogFinished(ILogger logger, string folder, int added, int updated, int unchanged, int skipped, int total);
}

using System.CommandLine;
using ClipSharp.Search;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip index add DIR</c>: embeds the new and changed images under a folder into the index. Under mpirun the ranks
/// share the embedding and rank 0 writes the index.
/// </summary>
internal static class IndexAddCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var index = IndexCommand.IndexOption();
        var batch = new Option<int>("--batch", "-b") { Description = "Files per committed batch (under mpirun: per rank).", DefaultValueFactory = _ => ImageIndexer.DefaultBatchSize };
        var threshold = new Option<int?>("--hnsw-threshold")
        {
            Description = $"Entries from which an HNSW graph is kept for fast approximate search, exact below (default {SearchIndex.DefaultExactThreshold}, remembered by the index).",
        };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON line on stdout." };
        var folder = new Argument<string>("folder") { Description = "Folder to index (recursively; symbolic links are not followed)." };
        var command = new Command("add", "Add the images under a folder to an index; unchanged files are skipped, changed ones re-embedded.")
        {
            index, batch, threshold, json, folder,
        };
        model.AddTo(command);
        command.SetAction(parsed => JobRunner.Run(context, communicator =>
        {
            int batchSize = parsed.GetValue(batch);
            if (batchSize < 1)
            {
                throw new CliException($"--batch must be at least 1, got {batchSize}.");
            }

            string root = parsed.GetValue(folder)!;
            if (!Directory.Exists(root))
            {
                throw new CliException($"{root}: folder not found.");
            }

            if (parsed.GetValue(threshold) is < 1)
            {
                throw new CliException($"--hnsw-threshold must be at least 1, got {parsed.GetValue(threshold)}.");
            }

            Clip clip = model.Load(parsed, context.Cancellation);
            var indexer = new ImageIndexer(clip) { BatchSize = batchSize, ExactThreshold = parsed.GetValue(threshold), Communicator = communicator };
            bool owner = communicator.Rank == 0;

            // Rank 0 scans and owns the index; the others work on the files it hands them.
            (List<string> files, List<string> outside) = owner ? FolderScanner.Scan(root) : ([], []);
            IndexAddSummary summary;
            try
            {
                summary = IndexCommand.Guard(() => Progress.Run(
                    context, "Indexing", owner ? files.Count : 0,
                    p => indexer.Add(parsed.GetValue(index)!, files, outside, p is null ? null : new Progress<IndexProgress>(x => p.Report(x.Done)), context.Cancellation)));
            }
            catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
            {
                context.Warn("the batches committed before the interruption stay in the index; run the same command again to add the rest.");
                throw;
            }

            if (!owner)
            {
                return ClipCli.ExitOk;
            }

            foreach (SkippedFile s in summary.Skipped)
            {
                context.Warn($"skipped {s.Path}: {s.Reason}");
            }

            foreach (string link in summary.OutsideLinks)
            {
                context.Warn($"not followed {link}: the link leads outside {root}");
            }

            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("scanned", summary.Scanned);
                    w.WriteNumber("added", summary.Added);
                    w.WriteNumber("updated", summary.Updated);
                    w.WriteNumber("unchanged", summary.Unchanged);
                    w.WriteNumber("skipped", summary.Skipped.Count);
                    w.WriteNumber("links_not_followed", summary.OutsideLinks.Count);
                    w.WriteNumber("entries", summary.Total);
                    w.WriteEndObject();
                }));
            }
            else
            {
                context.Ui.MarkupLine(Markup.Escape(
                    $"{summary.Scanned} files: {summary.Added} added, {summary.Updated} updated, {summary.Unchanged} unchanged, "
                    + $"{summary.Skipped.Count} skipped; the index holds {summary.Total}."));
            }

            return ClipCli.ExitOk;
        }));
        return command;
    }
}

using System.CommandLine;
using ClipSharp.Bulk;
using ClipSharp.Data;
using ClipSharp.Distributed;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip embed --webdataset SHARDS</c>: the images of webdataset shards, each with its key and caption. Under
/// mpirun each rank lists and embeds a run of whole shards; with <c>--format clip-retrieval</c> each rank writes its
/// own files, otherwise rank 0 gathers and writes everything.
/// </summary>
internal static class WebDatasetEmbed
{
    public static int Run(
        CliContext context, ICommunicator communicator, ParseResult parsed, ModelOptions modelOptions, string spec, string? output, EmbedCommand.Settings settings)
    {
        // Every rank expands the list, so a missing shard stops every rank at once; rank 0's list is the job's.
        IReadOnlyList<string> shards = Expand(spec);
        bool retrieval = settings.Format is not null;
        if (retrieval)
        {
            output = EmbedCommand.CheckRetrievalFolder(output, communicator);
        }
        else if (output is not null)
        {
            CliOptions.CheckOutFile(output, settings.Force, ".npy", ".safetensors");
        }

        Clip clip = modelOptions.Load(parsed, context.Cancellation);
        var embedder = BulkEmbedder.Create(clip, communicator);
        IReadOnlyList<string> mine = embedder.TakeShards(shards);
        string? fingerprint = null;
        if (retrieval)
        {
            fingerprint = ShareFingerprint.Of(
                ModelIdentity.Compute(clip), embedder.Shard, [.. mine.Select(s => new EmbeddingInput(s, EmbeddingKind.Image))], settings.Normalize, settings.Precision);
            if (EmbedCommand.AlreadyWritten(context, communicator, output!, fingerprint, settings.Force))
            {
                return ClipCli.ExitOk;
            }
        }

        CaptionDataset samples = List(mine);
        SampleEmbeddings share = Progress.Run(
            context, "Embedding", samples.Count, p => BulkEmbedder.EmbedSamples(clip, samples, settings.Normalize, p, context.Cancellation));
        if (retrieval)
        {
            int rows = ClipRetrievalOutput.WriteSamples(output!, communicator.Rank, share.Samples, clip.EmbedDim, settings.Precision, settings.Force, fingerprint);
            context.Error.WriteLine($"clip: rank {communicator.Rank} of {communicator.Size} wrote {rows} x {clip.EmbedDim} embeddings of {mine.Count} shards to {output}");
            if (settings.Json)
            {
                EmbedCommand.WriteSummary(context, clip, rows, output!, communicator);
            }

            return Report(context, share);
        }

        SampleEmbeddings all = embedder.GatherSamples(share);
        if (communicator.Rank != 0)
        {
            return Failures(all) == 0 ? ClipCli.ExitOk : ClipCli.ExitError;
        }

        List<SampleEmbedding> good = [.. all.Samples.Where(s => s.Result.Success)];
        if (output is null)
        {
            WriteLines(context, all.Samples);
        }
        else if (good.Count > 0)
        {
            EmbedCommand.WriteMatrix(output, [.. good.Select(s => s.Result)], clip, settings.Force);
            context.Error.WriteLine($"clip: wrote {good.Count} x {clip.EmbedDim} embeddings to {output}");
            if (settings.Json)
            {
                EmbedCommand.WriteSummary(context, clip, good.Count, output, null);
            }
        }

        return Report(context, all);
    }

    private static IReadOnlyList<string> Expand(string spec)
    {
        try
        {
            return WebDatasetSource.ExpandShards(spec);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new CliException($"--webdataset {spec}: {e.Message}");
        }
    }

    private static CaptionDataset List(IReadOnlyList<string> shards)
    {
        if (shards.Count == 0)
        {
            // More ranks than shards: this rank has nothing to embed, and says so by writing no rows.
            return new CaptionDataset("no shards", []);
        }

        try
        {
            return WebDatasetSource.Load(shards);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CliException(e.Message);
        }
    }

    // JSON lines, one per embedded sample in shard order: its index among the samples, image, key and caption.
    private static void WriteLines(CliContext context, IReadOnlyList<SampleEmbedding> samples)
    {
        for (int i = 0; i < samples.Count; i++)
        {
            SampleEmbedding s = samples[i];
            if (!s.Result.Success)
            {
                continue;
            }

            EmbedCommand.WriteLine(context, i, s.Result, w =>
            {
                w.WriteString("key", s.Key);
                w.WriteString("caption", s.Caption);
            });
        }
    }

    private static int Failures(SampleEmbeddings samples) => samples.Skipped.Count + samples.Samples.Count(s => !s.Result.Success);

    // Samples the listing skipped (no image, no caption) and images that failed, after the good ones were written.
    private static int Report(CliContext context, SampleEmbeddings samples)
    {
        foreach (BadSample bad in samples.Skipped)
        {
            context.Warn($"skipped {bad}");
        }

        int status = EmbedCommand.ReportFailures(context, [.. samples.Samples.Select(s => s.Result)]);
        if (samples.Skipped.Count > 0)
        {
            context.Warn($"{samples.Skipped.Count} samples had no image or no caption.");
            return ClipCli.ExitError;
        }

        return status;
    }
}

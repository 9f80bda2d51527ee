using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using ClipSharp.Bulk;
using ClipSharp.Checkpoints;
using ClipSharp.Distributed;
using ClipSharp.IO;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip embed</c>: embeddings of images and texts, as JSON lines, into a .npy/.safetensors file, or as clip-retrieval's
/// folder. Under mpirun each rank embeds its share of the inputs.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var images = CliOptions.Images("Image files to embed (repeatable; one flag takes several).");
        var texts = CliOptions.Texts("Texts to embed (repeatable; one flag takes several).");
        var folder = new Option<string?>("--folder")
        {
            Description = "Also embed every image under this folder (recursively, paths sorted; symbolic links are not followed), after the --image files.",
        };
        var webdataset = new Option<string?>("--webdataset")
        {
            Description = "Embed the images of these webdataset shards (comma-separated; * and ? in file names), each with its key and caption; under mpirun each rank takes a run of whole shards. Not with --image, --text or --folder.",
        };
        var output = CliOptions.Out<string?>("Write an [N, E] matrix to this .npy or .safetensors file instead of JSON lines; with --format clip-retrieval, a folder.");
        var oldOutput = CliOptions.Legacy<string?>("--output");
        var format = new Option<string?>("--format")
        {
            Description = $"'{ClipRetrievalOutput.FormatName}': write --out DIR as clip-retrieval does (img_emb/ or text_emb/ .npy and metadata/ .parquet, one file each per rank).",
        };
        format.AcceptOnlyFromAmong(ClipRetrievalOutput.FormatName);
        var precision = new Option<string>("--precision")
        {
            Description = "With --format clip-retrieval: float32 (exact) or float16 (half the size).",
            DefaultValueFactory = _ => "float32",
        };
        precision.AcceptOnlyFromAmong("float32", "float16");
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists." };
        var json = CliOptions.Json("With --out, print a JSON summary on stdout (without --out the embeddings are JSON lines already).");
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Emit the raw projections instead of unit-length embeddings." };
        var command = new Command("embed", "Embed images and texts into CLIP's shared space; under mpirun the ranks share the inputs.")
        {
            images, texts, folder, webdataset, output, oldOutput, format, precision, force, noNormalize, json,
        };
        model.AddTo(command);
        command.SetAction(parsed => JobRunner.Run(context, communicator => Run(
            context, communicator, parsed, model, images, texts, parsed.GetValue(folder), parsed.GetValue(webdataset), CliOptions.Value(parsed, output, oldOutput),
            new Settings(parsed.GetValue(format), parsed.GetValue(precision) == "float16" ? EmbeddingPrecision.Float16 : EmbeddingPrecision.Float32,
                parsed.GetValue(force), !parsed.GetValue(noNormalize), parsed.GetValue(json)))));
        return command;
    }

    private static int Run(
        CliContext context, ICommunicator communicator, ParseResult parsed, ModelOptions modelOptions, Option<string[]> imageOption, Option<string[]> textOption,
        string? folder, string? webdataset, string? output, Settings settings)
    {
        if (webdataset is not null)
        {
            if (folder is not null || (parsed.GetValue(imageOption)?.Length ?? 0) > 0 || (parsed.GetValue(textOption)?.Length ?? 0) > 0)
            {
                throw new CliException("--webdataset embeds its shards' samples alone: give --image, --text and --folder to a separate run.");
            }

            return WebDatasetEmbed.Run(context, communicator, parsed, modelOptions, webdataset, output, settings);
        }

        List<EmbeddingInput> inputs = [.. InputsInOrder(parsed, imageOption, textOption).Select(i => new EmbeddingInput(i.Input, i.Kind))];
        if (folder is not null)
        {
            // Rank 0's scan is the job's list (the embedder hands it to the others), so only rank 0 scans.
            if (!Directory.Exists(folder))
            {
                throw new CliException($"{folder}: folder not found.");
            }

            if (communicator.Rank == 0)
            {
                (List<string> files, List<string> outside) = FolderScanner.Scan(folder);
                inputs.AddRange(files.Select(f => new EmbeddingInput(f, EmbeddingKind.Image)));
                outside.ForEach(link => context.Warn($"not followed {link}: the link leads outside {folder}"));
            }
        }

        if (inputs.Count == 0 && communicator.Rank == 0)
        {
            throw new CliException("nothing to embed: give at least one --image FILE, --text STRING or a --folder with images.");
        }

        if (settings.Format is not null)
        {
            return RunClipRetrieval(context, communicator, parsed, modelOptions, inputs, output, settings);
        }

        if (output is not null)
        {
            CliOptions.CheckOutFile(output, settings.Force, ".npy", ".safetensors");
        }

        Clip clip = modelOptions.Load(parsed, context.Cancellation);
        var embedder = BulkEmbedder.Create(clip, communicator);
        int images = inputs.Count(i => i.Kind == EmbeddingKind.Image);
        IReadOnlyList<EmbeddingResult> results = communicator.Rank == 0
            ? Progress.Run(context, "Embedding images", images, p => embedder.EmbedAll(inputs, settings.Normalize, p, context.Cancellation))
            : embedder.EmbedAll(inputs, settings.Normalize, null, context.Cancellation);
        if (communicator.Rank != 0)
        {
            // Rank 0 writes the job's output and reports; the others exit as it does.
            return results.All(r => r.Success) ? ClipCli.ExitOk : ClipCli.ExitError;
        }

        var good = results.Where(r => r.Success).ToList();
        if (output is null)
        {
            for (int i = 0; i < results.Count; i++)
            {
                EmbeddingResult r = results[i];
                if (!r.Success)
                {
                    continue;
                }

                WriteLine(context, i, r);
            }
        }
        else if (good.Count > 0)
        {
            WriteMatrix(output, good, clip, settings.Force);
            context.Error.WriteLine($"clip: wrote {good.Count} x {clip.EmbedDim} embeddings to {output}");
            if (settings.Json)
            {
                WriteSummary(context, clip, good.Count, output, null);
            }
        }

        return ReportFailures(context, results);
    }

    /// <summary>Each rank embeds its share and writes its own files; nothing is gathered, so the job scales with the ranks.</summary>
    private static int RunClipRetrieval(
        CliContext context, ICommunicator communicator, ParseResult parsed, ModelOptions modelOptions, List<EmbeddingInput> inputs, string? output, Settings settings)
    {
        if (inputs.Select(i => i.Kind).Distinct().Count() > 1)
        {
            throw new CliException($"--format {ClipRetrievalOutput.FormatName} holds images or texts, not both: embed them into two folders.");
        }

        output = CheckRetrievalFolder(output, communicator);
        int rank = communicator.Rank;
        Clip clip = modelOptions.Load(parsed, context.Cancellation);
        var embedder = BulkEmbedder.Create(clip, communicator);
        IReadOnlyList<EmbeddingInput> share = embedder.TakeShare(inputs);
        string fingerprint = ShareFingerprint.Of(ModelIdentity.Compute(clip), embedder.Shard, share, settings.Normalize, settings.Precision);
        if (AlreadyWritten(context, communicator, output, fingerprint, settings.Force))
        {
            return ClipCli.ExitOk;
        }

        IReadOnlyList<EmbeddingResult> results = Progress.Run(
            context, "Embedding", share.Count, p => BulkEmbedder.Embed(clip, share, settings.Normalize, p, context.Cancellation));
        int rows = ClipRetrievalOutput.Write(output, rank, results, clip.EmbedDim, settings.Precision, settings.Force, fingerprint);
        context.Error.WriteLine($"clip: rank {rank} of {communicator.Size} wrote {rows} x {clip.EmbedDim} embeddings to {output}");
        if (settings.Json)
        {
            WriteSummary(context, clip, rows, output, communicator);
        }

        return ReportFailures(context, results);
    }

    /// <summary>The clip-retrieval folder to write: given, not a file, and without files of ranks this job does not have.</summary>
    internal static string CheckRetrievalFolder(string? output, ICommunicator communicator)
    {
        if (output is null)
        {
            throw new CliException($"--format {ClipRetrievalOutput.FormatName} needs --out DIR, the folder to write.");
        }

        if (File.Exists(output))
        {
            throw new CliException($"{output}: is a file; --format {ClipRetrievalOutput.FormatName} writes a folder.");
        }

        if (ClipRetrievalOutput.OtherRanks(output, communicator.Size) is { Count: > 0 } stale)
        {
            throw new CliException($"{stale[0]}: a file of a rank this job of {communicator.Size} does not have; its rows would be counted twice. Remove it or use a new folder.");
        }

        return output;
    }

    /// <summary>
    /// True when this rank's files already hold the share <paramref name="fingerprint"/> names: a rerun of the same job
    /// (same inputs, ranks and settings) leaves them alone. Other work in them is an error unless forced.
    /// </summary>
    internal static bool AlreadyWritten(CliContext context, ICommunicator communicator, string output, string fingerprint, bool force)
    {
        int rank = communicator.Rank;
        if (force || ClipRetrievalOutput.Existing(output, rank) is not { Count: > 0 } existing)
        {
            return false;
        }

        if (ClipRetrievalOutput.RecordedShare(output, rank) == fingerprint)
        {
            context.Error.WriteLine($"clip: rank {rank} of {communicator.Size}: {output} already holds this share; nothing to do.");
            return true;
        }

        throw new CliException($"{existing[0]}: already exists and holds other work; pass --force to replace it.");
    }

    /// <summary>Failed inputs are listed after the good ones were written; the exit status says the batch was incomplete.</summary>
    internal static int ReportFailures(CliContext context, IReadOnlyList<EmbeddingResult> results)
    {
        var failed = results.Where(r => !r.Success).ToList();
        foreach (EmbeddingResult r in failed)
        {
            context.Warn($"skipped {r.Input}: {r.Error}");
        }

        if (failed.Count == 0)
        {
            return ClipCli.ExitOk;
        }

        context.Warn($"{failed.Count} of {results.Count} inputs failed.");
        return ClipCli.ExitError;
    }

    internal static List<(string Input, EmbeddingKind Kind)> InputsInOrder(ParseResult parsed, Option<string[]> imageOption, Option<string[]> textOption)
    {
        // The parser groups values per option; the command line's own order is recovered from the tokens.
        var inputs = new List<(string, EmbeddingKind)>();
        EmbeddingKind? pending = null;
        foreach (Token token in parsed.Tokens)
        {
            if (token.Type == TokenType.Option)
            {
                pending = imageOption.Name == token.Value || imageOption.Aliases.Contains(token.Value) ? EmbeddingKind.Image
                    : textOption.Name == token.Value || textOption.Aliases.Contains(token.Value) ? EmbeddingKind.Text
                    : null;
            }
            else if (token.Type == TokenType.Argument && pending is not null)
            {
                // One flag may take several values (-i a.jpg b.jpg): they belong to it until the next option.
                inputs.Add((token.Value, pending.Value));
            }
        }

        int images = parsed.GetValue(imageOption)?.Length ?? 0;
        int texts = parsed.GetValue(textOption)?.Length ?? 0;
        if (inputs.Count(i => i.Item2 == EmbeddingKind.Image) != images || inputs.Count(i => i.Item2 == EmbeddingKind.Text) != texts)
        {
            // Unusual token forms: fall back to images first, then texts.
            inputs.Clear();
            inputs.AddRange((parsed.GetValue(imageOption) ?? []).Select(i => (i, EmbeddingKind.Image)));
            inputs.AddRange((parsed.GetValue(textOption) ?? []).Select(t => (t, EmbeddingKind.Text)));
        }

        return inputs;
    }

    /// <summary>
    /// One embedding as a JSON line: its index among the inputs, input, kind, any fields <paramref name="extra"/>
    /// writes (a sample's key and caption), then the embedding.
    /// </summary>
    internal static void WriteLine(CliContext context, int index, EmbeddingResult result, Action<Utf8JsonWriter>? extra = null)
    {
        context.Out.WriteLine(JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteString("input", result.Input);
            w.WriteString("kind", result.Kind == EmbeddingKind.Image ? "image" : "text");
            extra?.Invoke(w);
            JsonOutput.WriteFloats(w, "embedding", result.Embedding);
            w.WriteEndObject();
        }));
    }

    /// <summary>The --json line: what was written where, and by which rank when each rank writes its own files.</summary>
    internal static void WriteSummary(CliContext context, Clip clip, int count, string output, ICommunicator? rank)
    {
        context.Out.WriteLine(JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteString("model", clip.Name);
            w.WriteNumber("dim", clip.EmbedDim);
            if (rank is not null)
            {
                w.WriteNumber("rank", rank.Rank);
                w.WriteNumber("world_size", rank.Size);
            }

            w.WriteNumber("count", count);
            w.WriteString("out", output);
            w.WriteEndObject();
        }));
    }

    internal sealed record Settings(string? Format, EmbeddingPrecision Precision, bool Force, bool Normalize, bool Json);

    internal static void WriteMatrix(string output, List<EmbeddingResult> good, Clip clip, bool force)
    {
        int e = clip.EmbedDim;
        var matrix = new float[good.Count * e];
        for (int i = 0; i < good.Count; i++)
        {
            good[i].Embedding.AsSpan().CopyTo(matrix.AsSpan(i * e, e));
        }

        if (Path.GetExtension(output).Equals(".npy", StringComparison.OrdinalIgnoreCase))
        {
            NpyWriter.WriteFile(output, matrix, good.Count, e, overwrite: force);
            return;
        }

        // Rows are labelled in the metadata so that the file stands on its own.
        new SafeTensorsWriter()
            .AddMetadata("inputs", JsonSerializer.Serialize(good.Select(g => g.Input).ToArray()))
            .AddMetadata("kinds", JsonSerializer.Serialize(good.Select(g => g.Kind == EmbeddingKind.Image ? "image" : "text").ToArray()))
            .AddMetadata("model", clip.Name)
            .Add("embeddings", matrix, [good.Count, e])
            .Save(output, overwrite: force);
    }
}

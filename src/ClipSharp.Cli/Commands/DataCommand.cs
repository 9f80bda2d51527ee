using System.CommandLine;
using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip data synth</c> (a synthetic captioned-image dataset) and <c>clip data check</c> (read every sample of a source).</summary>
internal static class DataCommand
{
    // Every colour×shape combination (seen or held out), then each colour and each shape.
    private static readonly int s_evalClassCount =
        (SynthVocabulary.Colors.Count * SynthVocabulary.Shapes.Count) + SynthVocabulary.Colors.Count + SynthVocabulary.Shapes.Count;

    public static Command Create(CliContext context) =>
        new("data", "Training data: generate synthetic captioned images, check a data source.") { Synth(context), Check(context) };

    private static Command Synth(CliContext context)
    {
        var output = new Option<string>("--out", "-o") { Description = "The dataset folder to create.", Required = true };
        var count = new Option<int>("--count", "-n") { Description = "Training images.", Required = true };
        var seed = CliOptions.Seed("Fixes every image, caption and the held-out combinations.");
        var size = new Option<int>("--size") { Description = "Image side in pixels, 48 to 64.", DefaultValueFactory = _ => SceneRenderer.MinSize };
        var valCount = new Option<int?>("--val-count") { Description = "Validation images (default: a tenth of --count)." };
        var perClass = new Option<int>("--eval-per-class") { Description = "Images per class in each evaluation set.", DefaultValueFactory = _ => 10 };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var json = new Option<bool>("--json") { Description = "One JSON line describing the dataset on stdout." };
        var command = new Command(
            "synth",
            "Render small images of coloured shapes with captions, holding 12 colour×shape combinations out of training; "
            + "writes train.csv, val.csv, eval/{seen,unseen,color,shape}/<class>/ and split.json.")
        {
            output, count, seed, size, valCount, perClass, force, json,
        };
        command.SetAction(parsed =>
        {
            var options = new SyntheticDataOptions
            {
                Count = parsed.GetValue(count),
                Seed = parsed.GetValue(seed),
                Size = parsed.GetValue(size),
                ValidationCount = parsed.GetValue(valCount),
                EvalPerClass = parsed.GetValue(perClass),
            };
            if (options.Count < 1)
            {
                throw new CliException($"--count must be at least 1, got {options.Count}.");
            }

            if (options.Size is < SceneRenderer.MinSize or > SceneRenderer.MaxSize)
            {
                throw new CliException($"--size must be {SceneRenderer.MinSize} to {SceneRenderer.MaxSize}, got {options.Size}.");
            }

            if (options.ValidationCount is < 0 || options.EvalPerClass < 0)
            {
                throw new CliException("--val-count and --eval-per-class must not be negative.");
            }

            string folder = parsed.GetValue(output)!;
            int total = options.Count + (options.ValidationCount ?? Math.Max(1, options.Count / 10)) + (options.EvalPerClass * s_evalClassCount);
            SyntheticDatasetInfo info = Progress.Run(
                context, "synthesising", total, progress => SyntheticDatasetWriter.Write(folder, options, parsed.GetValue(force), progress));
            string[] heldOut = [.. info.Split.HeldOut.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape))];
            int evalTotal = info.EvalCounts.Values.Sum();
            context.Error.WriteLine(
                $"clip: wrote {info.TrainCount} training, {info.ValidationCount} validation and {evalTotal} evaluation images ({options.Size} px) to {info.Folder}");
            context.Error.WriteLine($"clip: held out of training: {string.Join(", ", heldOut)}");
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("folder", info.Folder);
                    w.WriteNumber("seed", options.Seed);
                    w.WriteNumber("size", options.Size);
                    w.WriteNumber("train", info.TrainCount);
                    w.WriteNumber("val", info.ValidationCount);
                    foreach (var (set, n) in info.EvalCounts)
                    {
                        w.WriteNumber("eval_" + set, n);
                    }

                    w.WriteStartArray("held_out");
                    foreach (string h in heldOut)
                    {
                        w.WriteStringValue(h);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    private static Command Check(CliContext context)
    {
        var data = new Argument<string>("data")
        {
            Description = "A .csv/.tsv of (image, caption), .tar webdataset shards (a glob or comma-separated list), or a folder of images with .txt captions.",
        };
        var json = new Option<bool>("--json") { Description = "One JSON line with the counts and the skipped samples on stdout." };
        var command = new Command("check", "Read every sample of a data source and report the ones training would skip.") { data, json };
        command.SetAction(parsed =>
        {
            CaptionDataset dataset = CaptionDataset.Open(parsed.GetValue(data)!);
            var log = new BadSampleLog(dataset.Skipped);
            Progress.Run(context, "reading", dataset.Count, progress =>
            {
                int done = 0;
                Parallel.ForEach(dataset.Samples, sample =>
                {
                    try
                    {
                        sample.Image.Decode();
                    }
                    catch (Exception e) when (e is ImageDecodeException or IOException or InvalidDataException or UnauthorizedAccessException)
                    {
                        log.Add(new BadSample(sample.Key, sample.Image.Name, "unreadable image: " + e.Message));
                    }

                    progress?.Report(Interlocked.Increment(ref done));
                });
                return done;
            });
            IReadOnlyList<BadSample> bad = log.Samples;
            int listed = dataset.Count + dataset.Skipped.Count;
            int usable = listed - bad.Count;
            context.Error.WriteLine($"clip: {dataset.Description}: {listed} samples, {usable} usable, {bad.Count} skipped");
            foreach (var (reason, n) in log.CountsByReason)
            {
                context.Error.WriteLine($"clip:   {n} × {reason}");
            }

            foreach (BadSample b in bad.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                context.Warn($"skipped {b}");
            }

            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("samples", listed);
                    w.WriteNumber("usable", usable);
                    w.WriteNumber("skipped", bad.Count);
                    w.WriteStartArray("bad");
                    foreach (BadSample b in bad.OrderBy(b => b.Key, StringComparer.Ordinal))
                    {
                        w.WriteStartObject();
                        w.WriteString("key", b.Key);
                        w.WriteString("source", b.Source);
                        w.WriteString("reason", b.Reason);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using ClipSharp.Tensors;
using ClipSharp.ZeroShot;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip classify</c>: zero-shot classification of images over class names and prompt templates.</summary>
internal static class ClassifyCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var labels = new Option<string?>("--labels", "-l") { Description = "Comma-separated class names, e.g. \"cat,dog\"." };
        var labelsFile = new Option<string?>("--labels-file") { Description = "A file with one class name per line." };
        var templates = CliOptions.Template();
        var oldTemplates = CliOptions.Legacy<string>("--templates");
        var top = new Option<int>("--top", "-k") { Description = "How many labels to show per image.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "One JSON line per image on stdout instead of tables." };
        var images = CliOptions.Images("Image files to classify (repeatable; one flag takes several, as in -i *.jpg).");
        var oldImages = CliOptions.LegacyImageArguments();
        var command = new Command("classify", "Zero-shot classification: rank class names by how well they describe each image.")
        {
            labels, labelsFile, templates, oldTemplates, top, json, images, oldImages,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            IReadOnlyList<string> classNames = ReadLabels(parsed.GetValue(labels), parsed.GetValue(labelsFile));
            IReadOnlyList<string> prompts = ReadTemplates(CliOptions.Value(parsed, templates, oldTemplates)!);
            string[] paths = CliOptions.ImagePaths(parsed, images, oldImages);
            if (paths.Length == 0)
            {
                throw new CliException("give the images to classify: -i FILE (repeatable).");
            }

            int k = parsed.GetValue(top);
            if (k < 1)
            {
                throw new CliException($"--top must be at least 1, got {k}.");
            }

            Clip clip = model.Load(parsed, context.Cancellation);
            var classifier = ZeroShotClassifier.Create(clip, classNames, prompts);
            IReadOnlyList<EmbeddingResult> results = Progress.Run(
                context, "Embedding images", paths.Length, p => clip.EncodeImageFiles(paths, progress: p));
            var good = results.Where(r => r.Success).ToList();
            int[] goodIndex = [.. Enumerable.Range(0, results.Count).Where(i => results[i].Success)];
            if (good.Count > 0)
            {
                var embeddings = Tensor.Zeros(good.Count, clip.EmbedDim);
                for (int i = 0; i < good.Count; i++)
                {
                    good[i].Embedding.AsSpan().CopyTo(embeddings.Span.Slice(i * clip.EmbedDim, clip.EmbedDim));
                }

                IReadOnlyList<ClassScore[]> scores = classifier.Classify(embeddings, k);
                if (parsed.GetValue(json))
                {
                    for (int i = 0; i < good.Count; i++)
                    {
                        WriteJson(context, goodIndex[i], good[i].Input, scores[i]);
                    }
                }
                else
                {
                    WriteTable(context, good, scores);
                }
            }

            return EmbedCommand.ReportFailures(context, results);
        });
        return command;
    }

    internal static IReadOnlyList<string> ReadLabels(string? inline, string? file)
    {
        if ((inline is null) == (file is null))
        {
            throw new CliException("give exactly one of --labels \"a,b,c\" or --labels-file FILE.");
        }

        IEnumerable<string> raw;
        string source;
        if (inline is not null)
        {
            raw = inline.Split(',');
            source = "--labels";
        }
        else
        {
            if (!File.Exists(file))
            {
                throw new CliException($"{file}: labels file not found.");
            }

            raw = File.ReadLines(file!).Where(l => !l.TrimStart().StartsWith('#'));
            source = file!;
        }

        var labels = raw.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (labels.Count == 0)
        {
            throw new CliException($"{source}: no labels.");
        }

        string? duplicate = labels.GroupBy(l => l, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).FirstOrDefault();
        if (duplicate is not null)
        {
            throw new CliException($"{source}: label \"{duplicate}\" appears more than once.");
        }

        return labels;
    }

    internal static IReadOnlyList<string> ReadTemplates(string value) => PromptTemplates.Resolve(value);

    private static void WriteJson(CliContext context, int index, string image, ClassScore[] scores)
        => context.Out.WriteLine(JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteString("image", image);
            w.WriteStartArray("labels");
            foreach (ClassScore s in scores)
            {
                w.WriteStartObject();
                w.WriteString("label", s.Label);
                w.WriteNumber("probability", s.Probability);
                w.WriteNumber("cosine", s.Cosine);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

    private static void WriteTable(CliContext context, List<EmbeddingResult> images, IReadOnlyList<ClassScore[]> scores)
    {
        var table = new Table()
            .AddColumn("image")
            .AddColumn(new TableColumn("rank").RightAligned())
            .AddColumn("label")
            .AddColumn(new TableColumn("probability").RightAligned());
        for (int i = 0; i < images.Count; i++)
        {
            for (int rank = 0; rank < scores[i].Length; rank++)
            {
                table.AddRow(
                    rank == 0 ? Markup.Escape(images[i].Input) : string.Empty,
                    (rank + 1).ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(scores[i][rank].Label),
                    scores[i][rank].Probability.ToString("P1", CultureInfo.InvariantCulture));
            }

            if (i + 1 < images.Count)
            {
                table.AddEmptyRow();
            }
        }

        context.Ui.Write(table);
    }
}

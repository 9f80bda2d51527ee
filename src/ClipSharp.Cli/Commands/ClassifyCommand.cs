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
        var templates = new Option<string>("--templates")
        {
            Description = "Prompt templates: 'default' (the shipped ensemble), 'single' (\"a photo of a {}.\"), or a file with one template per line containing {}.",
            DefaultValueFactory = _ => "default",
        };
        var top = new Option<int>("--top", "-k") { Description = "How many labels to show per image.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "One JSON line per image on stdout instead of tables." };
        var images = new Argument<string[]>("images") { Description = "Image files to classify.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("classify", "Zero-shot classification: rank class names by how well they describe each image.")
        {
            labels, labelsFile, templates, top, json, images,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            IReadOnlyList<string> classNames = ReadLabels(parsed.GetValue(labels), parsed.GetValue(labelsFile));
            IReadOnlyList<string> prompts = ReadTemplates(parsed.GetValue(templates)!);
            int k = parsed.GetValue(top);
            if (k < 1)
            {
                throw new CliException($"--top must be at least 1, got {k}.");
            }

            Clip clip = model.Load(parsed);
            var classifier = ZeroShotClassifier.Create(clip, classNames, prompts);
            IReadOnlyList<EmbeddingResult> results = Progress.Run(
                context, "Embedding images", parsed.GetValue(images)!.Length, p => clip.EncodeImageFiles(parsed.GetValue(images)!, progress: p));
            var good = results.Where(r => r.Success).ToList();
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
                        WriteJson(context, good[i].Input, scores[i]);
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

    internal static IReadOnlyList<string> ReadTemplates(string value) => value switch
    {
        "default" => PromptTemplates.Default,
        "single" => PromptTemplates.Single,
        _ => PromptTemplates.Load(value),
    };

    private static void WriteJson(CliContext context, string image, ClassScore[] scores)
        => context.Out.WriteLine(JsonOutput.Line(w =>
        {
            w.WriteStartObject();
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

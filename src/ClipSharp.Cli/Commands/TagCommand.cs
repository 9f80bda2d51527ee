using System.CommandLine;
using System.Globalization;
using ClipSharp.Applications;
using ClipSharp.Search;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip tag</c>: multi-label verdicts per image, each label against its negative prompts.</summary>
internal static class TagCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var labels = new Option<string?>("--labels", "-l") { Description = "Comma-separated label names (default prompts and negatives)." };
        var labelsFile = new Option<string?>("--labels-file") { Description = "Labels file: one label per line, optional '| prompt=… | negative=… | threshold=…' fields." };
        var threshold = new Option<float>("--threshold")
        {
            Description = "Probability at or above which a label is given, unless its line sets its own.",
            DefaultValueFactory = _ => ImageTagger.DefaultThreshold,
        };
        var json = new Option<bool>("--json") { Description = "One JSON line per image on stdout instead of a table." };
        var paths = CliOptions.Images("Image files or folders (repeatable; one flag takes several, as in -i *.jpg).");
        var oldPaths = CliOptions.LegacyImageArguments();
        var command = new Command("tag", "Tag images with every label whose prompt beats its negative prompts.")
        {
            labels, labelsFile, threshold, json, paths, oldPaths,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            IReadOnlyList<TagLabel> tagLabels = ReadLabels(parsed.GetValue(labels), parsed.GetValue(labelsFile));
            float t = parsed.GetValue(threshold);
            if (!(t is >= 0 and <= 1))
            {
                throw new CliException($"--threshold must be a probability between 0 and 1, got {t.ToString(CultureInfo.InvariantCulture)}.");
            }

            string[] given = CliOptions.ImagePaths(parsed, paths, oldPaths);
            if (given.Length == 0)
            {
                throw new CliException("give the images to tag: -i FILE or FOLDER (repeatable).");
            }

            var files = new List<string>();
            foreach (string p in given)
            {
                files.AddRange(Directory.Exists(p) ? FolderScanner.Scan(p).Files : [p]);
            }

            Clip clip = model.Load(parsed, context.Cancellation);
            var tagger = ImageTagger.Create(clip, tagLabels, t);
            IReadOnlyList<EmbeddingResult> results = Progress.Run(context, "Embedding images", files.Count, p => clip.EncodeImageFiles(files, progress: p));
            var good = results.Where(r => r.Success).ToList();
            float[] embeddings = [.. good.SelectMany(r => r.Embedding!)];
            IReadOnlyList<TagVerdict> verdicts = tagger.Tag([.. good.Select(r => r.Input)], embeddings);
            if (parsed.GetValue(json))
            {
                for (int i = 0; i < verdicts.Count; i++)
                {
                    WriteJson(context, i, verdicts[i]);
                }
            }
            else if (verdicts.Count > 0)
            {
                var table = new Table().AddColumn("image").AddColumn("tags");
                foreach (TagVerdict v in verdicts)
                {
                    table.AddRow(Markup.Escape(v.Image), Markup.Escape(string.Join(", ", v.Tags)));
                }

                context.Ui.Write(table);
            }

            return EmbedCommand.ReportFailures(context, results);
        });
        return command;
    }

    private static IReadOnlyList<TagLabel> ReadLabels(string? inline, string? file)
    {
        if ((inline is null) == (file is null))
        {
            throw new CliException("give exactly one of --labels \"a,b,c\" or --labels-file FILE.");
        }

        try
        {
            return inline is not null ? LabelsFile.Parse(inline.Split(','), "--labels") : LabelsFile.Load(file!);
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message, e);
        }
    }

    private static void WriteJson(CliContext context, int index, TagVerdict v)
        => context.Out.WriteLine(JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteString("image", v.Image);
            w.WriteStartArray("tags");
            foreach (string tag in v.Tags)
            {
                w.WriteStringValue(tag);
            }

            w.WriteEndArray();
            w.WriteStartArray("labels");
            foreach (TagScore s in v.Scores)
            {
                w.WriteStartObject();
                w.WriteString("label", s.Label);
                w.WriteNumber("probability", s.Probability);
                w.WriteNumber("cosine", s.Cosine);
                w.WriteNumber("threshold", s.Threshold);
                w.WriteBoolean("match", s.Match);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));
}

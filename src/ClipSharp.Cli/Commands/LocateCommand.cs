using System.CommandLine;
using System.Globalization;
using ClipSharp.Imaging;
using ClipSharp.Localization;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip locate</c>: where in an image each prompt matches (heat map, peak, box, mask), or a per-pixel labelling
/// over several labels, drawn over the image into a PNG. See <see cref="ClipLocator"/>.
/// </summary>
internal static class LocateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var image = new Argument<string?>("image") { Description = "The image to look at.", Arity = ArgumentArity.ZeroOrOne };
        var imageOption = new Option<string?>("--image", "-i") { Description = "The image to look at (instead of the argument)." };
        var prompts = new Option<string[]>("--prompt")
        {
            Description = "A description to locate, e.g. \"a red star\" (repeatable); used verbatim unless --template is given.",
            Arity = ArgumentArity.OneOrMore,
        };
        var segment = new Option<string?>("--segment")
        {
            Description = "Comma-separated labels, e.g. \"cat,dog,background\": label every pixel with the best-matching one (prompt templates: 'default' unless --template).",
        };
        var templates = new Option<string?>("--template")
        {
            Description = "Prompt templates: 'default', 'single' or a file with one template per line containing {}.",
        };
        var threshold = new Option<float>("--threshold")
        {
            Description = "Mask threshold on each heat map's normalised heat, in [0, 1].",
            DefaultValueFactory = _ => ClipLocator.DefaultThreshold,
        };
        var method = LocateMethodOption.One(
            "How each cell is scored: dense (MaskCLIP dense features), gradient (gradient × activation of the ViT's tokens) or occlusion (the cosine's drop under occluders, on a grid finer than the model's).", LocateMethod.Dense);
        var output = CliOptions.Out<string?>("Write the overlay picture to this .png file.");
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists." };
        var json = CliOptions.Json("Print the result as one JSON line on stdout.");
        var command = new Command("locate", "Heat maps of where a CLIP model finds each prompt in an image (MaskCLIP dense features or gradient relevance), or a per-pixel segmentation.")
        {
            image, imageOption, prompts, segment, templates, threshold, method, output, force, json,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            string path = ImagePath(parsed.GetValue(image), parsed.GetValue(imageOption));
            string[] promptList = parsed.GetValue(prompts) ?? [];
            string? labels = parsed.GetValue(segment);
            if ((promptList.Length == 0) == (labels is null))
            {
                throw new CliException("give either --prompt TEXT (repeatable) or --segment \"a,b,c\".");
            }

            float t = parsed.GetValue(threshold);
            if (!(t >= 0f && t <= 1f))
            {
                throw new CliException($"--threshold must be in [0, 1], got {t.ToString(CultureInfo.InvariantCulture)}.");
            }

            string? outPath = parsed.GetValue(output);
            bool overwrite = parsed.GetValue(force);
            if (outPath is not null)
            {
                CliOptions.CheckOutFile(outPath, overwrite, ".png");
            }

            string? templateName = parsed.GetValue(templates);
            IReadOnlyList<string>? templateList = templateName is null ? null : ClassifyCommand.ReadTemplates(templateName);
            DecodedImage decoded = ImageDecoder.Decode(path);
            LocateMethod[] methods = LocateMethodOption.Parse([parsed.GetValue(method)!]);
            var locator = LocateMethodOption.Locator(LocateMethodOption.Load(model, parsed, methods, context.Cancellation), methods[0]);
            if (labels is not null)
            {
                string[] labelList = Distinct([.. labels.Split(',').Select(l => l.Trim()).Where(l => l.Length > 0)], "--segment");
                Segmentation segmentation = locator.Segment(decoded, labelList, templateList);
                if (outPath is not null)
                {
                    LocalizationOverlay.Save(outPath, decoded, segmentation, overwrite);
                }

                Report(context, path, segmentation, outPath, parsed.GetValue(json));
            }
            else
            {
                IReadOnlyList<PromptLocation> located = locator.Locate(decoded, Distinct(promptList, "--prompt"), templateList, t);
                if (outPath is not null)
                {
                    LocalizationOverlay.Save(outPath, decoded, located, overwrite);
                }

                Report(context, path, decoded, located, outPath, parsed.GetValue(json));
            }

            return 0;
        });
        return command;
    }

    private static string ImagePath(string? argument, string? option)
    {
        if ((argument is null) == (option is null))
        {
            throw new CliException("give the image to look at: clip locate IMAGE (or -i IMAGE), once.");
        }

        return (argument ?? option)!;
    }

    private static string[] Distinct(string[] texts, string option)
    {
        if (texts.Length == 0 || texts.Any(string.IsNullOrWhiteSpace))
        {
            throw new CliException($"{option}: a text is empty.");
        }

        string? duplicate = texts.GroupBy(p => p, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).FirstOrDefault();
        if (duplicate is not null)
        {
            throw new CliException($"{option}: \"{duplicate}\" is given more than once.");
        }

        return texts;
    }

    private static void Report(
        CliContext context, string image, DecodedImage decoded, IReadOnlyList<PromptLocation> located, string? output, bool json)
    {
        if (json)
        {
            context.Out.WriteLine(JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("image", image);
                w.WriteNumber("width", decoded.Width);
                w.WriteNumber("height", decoded.Height);
                w.WriteNumber("grid", located[0].HeatMap.GridSize);
                w.WriteString("method", located[0].HeatMap.Method.Name());
                if (output is not null)
                {
                    w.WriteString("out", output);
                }

                w.WriteStartArray("prompts");
                foreach (PromptLocation l in located)
                {
                    w.WriteStartObject();
                    w.WriteString("prompt", l.Prompt);
                    w.WriteStartObject("peak");
                    w.WriteNumber("x", l.Peak.X);
                    w.WriteNumber("y", l.Peak.Y);
                    w.WriteEndObject();
                    string score = l.HeatMap.Method == LocateMethod.Dense ? "cosine" : "relevance";
                    w.WriteNumber(score, l.PeakCosine);
                    w.WriteNumber("min_" + score, l.HeatMap.Min);
                    w.WriteStartObject("box");
                    w.WriteNumber("left", l.Box.Left);
                    w.WriteNumber("top", l.Box.Top);
                    w.WriteNumber("right", l.Box.Right);
                    w.WriteNumber("bottom", l.Box.Bottom);
                    w.WriteEndObject();
                    w.WriteNumber("threshold", l.Threshold);
                    w.WriteNumber("mask_area", l.MaskArea);
                    w.WriteNumber("mask_fraction", l.MaskFraction);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        var table = new Table()
            .AddColumn("prompt")
            .AddColumn(new TableColumn("peak (x, y)").RightAligned())
            .AddColumn(new TableColumn(located[0].HeatMap.Method == LocateMethod.Dense ? "cosine" : "relevance").RightAligned())
            .AddColumn(new TableColumn("box (l, t, r, b)").RightAligned())
            .AddColumn(new TableColumn("mask").RightAligned());
        foreach (PromptLocation l in located)
        {
            table.AddRow(
                Markup.Escape(l.Prompt),
                FormattableString.Invariant($"{l.Peak.X}, {l.Peak.Y}"),
                l.PeakCosine.ToString("F4", CultureInfo.InvariantCulture),
                FormattableString.Invariant($"{l.Box.Left}, {l.Box.Top}, {l.Box.Right}, {l.Box.Bottom}"),
                l.MaskFraction.ToString("P1", CultureInfo.InvariantCulture));
        }

        context.Ui.Write(table);
        Wrote(context, output);
    }

    private static void Report(CliContext context, string image, Segmentation segmentation, string? output, bool json)
    {
        if (json)
        {
            context.Out.WriteLine(JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("image", image);
                w.WriteNumber("width", segmentation.Width);
                w.WriteNumber("height", segmentation.Height);
                if (output is not null)
                {
                    w.WriteString("out", output);
                }

                w.WriteStartArray("labels");
                for (int l = 0; l < segmentation.Labels.Count; l++)
                {
                    w.WriteStartObject();
                    w.WriteString("label", segmentation.Labels[l]);
                    w.WriteNumber("pixels", segmentation.Area(l));
                    w.WriteNumber("fraction", segmentation.Fraction(l));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        var table = new Table().AddColumn("label").AddColumn(new TableColumn("share").RightAligned());
        for (int l = 0; l < segmentation.Labels.Count; l++)
        {
            table.AddRow(Markup.Escape(segmentation.Labels[l]), segmentation.Fraction(l).ToString("P1", CultureInfo.InvariantCulture));
        }

        context.Ui.Write(table);
        Wrote(context, output);
    }

    private static void Wrote(CliContext context, string? output)
    {
        if (output is not null)
        {
            context.Ui.MarkupLine($"wrote [bold]{Markup.Escape(output)}[/]");
        }
    }
}

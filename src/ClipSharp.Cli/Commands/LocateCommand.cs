using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
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
            "How each cell is scored: dense (MaskCLIP dense features), gradient (gradient × activation of a ViT's tokens or a ResNet's layer4 map) or occlusion (the cosine's drop under occluders, on a grid finer than the model's).", LocateMethod.Dense);
        var output = CliOptions.Out<string?>("Write the overlay picture to this .png file.");
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists." };
        var json = CliOptions.Json("Print the result as one JSON line on stdout.");
        var occlusion = new OcclusionOptions();
        var command = new Command("locate", "Heat maps of where a CLIP model finds each prompt in an image (MaskCLIP dense features or gradient relevance), or a per-pixel segmentation.")
        {
            image, imageOption, prompts, segment, templates, threshold, method, output, force, json,
        };
        model.AddTo(command);
        occlusion.AddTo(command);
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
            var locator = LocateMethodOption.Locator(
                LocateMethodOption.Load(model, parsed, methods, context.Cancellation), methods[0], occlusion.Apply(parsed, LocateOptions.Default));
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

                Report(context, path, located, outPath, parsed.GetValue(json));
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
        CliContext context, string image, IReadOnlyList<PromptLocation> located, string? output, bool json)
    {
        if (json)
        {
            // The library's report, as the server answers it; only where the overlay went is the command's own.
            JsonObject line = JsonOutput.Node(LocateReport.Create(image, located));
            if (output is not null)
            {
                line["out"] = output;
            }

            context.Out.WriteLine(JsonOutput.Line(w => line.WriteTo(w)));
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
            // The library's report; only where the picture went is the command's own.
            JsonObject line = JsonOutput.Node(SegmentationReport.Create(image, segmentation));
            if (output is not null)
            {
                line["out"] = output;
            }

            context.Out.WriteLine(JsonOutput.Line(w => line.WriteTo(w)));
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

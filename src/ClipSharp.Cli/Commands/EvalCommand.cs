using System.CommandLine;
using System.Globalization;
using ClipSharp.Data;
using ClipSharp.Evaluation;
using ClipSharp.Localization;
using ClipSharp.Tensors;
using ClipSharp.ZeroShot;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip eval zeroshot|retrieval|linear-probe|locate|generate</c>: a model's accuracy on labelled images, caption
/// pairs or synthetic scenes with known masks, or how its generated images transfer to another model.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context) =>
        new("eval", "Evaluate a model: zero-shot classification, image↔text retrieval, linear probe, localisation, guided synthesis.")
        {
            ZeroShot(context), Retrieval(context), Probe(context), Locate(context), EvalGenerateCommand.Create(context),
        };

    private static Command Locate(CliContext context)
    {
        var model = new ModelOptions();
        var scenes = new Option<int>("--scenes") { Description = "Synthetic scenes per object count.", DefaultValueFactory = _ => 100 };
        var objects = new Option<string>("--objects") { Description = "Comma-separated objects per scene.", DefaultValueFactory = _ => "2,3" };
        var seed = CliOptions.Seed("Seed of the scenes and of the random baseline.");
        var method = LocateMethodOption.Many("The methods to measure (repeatable): dense, gradient, occlusion; all unless given.");
        var json = new Option<bool>("--json") { Description = "One JSON line with the results on stdout." };
        var occlusion = new OcclusionOptions();
        var command = new Command(
            "locate", "Pointing game and mIoU of the model's heat maps (clip locate) on synthetic scenes with known object masks, beside centre and random baselines.")
        {
            scenes, objects, seed, method, json,
        };
        model.AddTo(command);
        occlusion.AddTo(command);
        command.SetAction(parsed =>
        {
            int n = parsed.GetValue(scenes);
            if (n < 1)
            {
                throw new CliException($"--scenes must be at least 1, got {n}.");
            }

            int[] counts = ObjectCounts(parsed.GetValue(objects)!);
            LocateMethod[] methods = LocateMethodOption.Parse(parsed.GetValue(method)!);
            Clip clip = LocateMethodOption.Load(model, parsed, methods, context.Cancellation);
            LocateOptions options = occlusion.Apply(parsed, LocateOptions.Default);
            ClipLocator[] locators = [.. methods.Select(m => LocateMethodOption.Locator(clip, m, options))];
            var rows = new List<LocalizationScores>();
            foreach (ClipLocator locator in locators)
            {
                rows.AddRange(Progress.Run(
                    context, $"locating ({locator.Method.Name()})", n * counts.Length,
                    p => LocalizationEvaluator.Evaluate(locator, n, counts, parsed.GetValue(seed), progress: p, cancellation: context.Cancellation)));
            }

            var table = new Table().AddColumns("method", "objects", "scenes", "pointing", "centre", "random", "mIoU", "all background", "random labels");
            foreach (LocalizationScores r in rows)
            {
                table.AddRow(
                    r.Method.Name(), r.ObjectsPerScene.ToString(CultureInfo.InvariantCulture), r.Scenes.ToString(CultureInfo.InvariantCulture),
                    Percent(r.Pointing), Percent(r.PointingCentre), Percent(r.PointingRandom),
                    Percent(r.MeanIoU), Percent(r.MeanIoUBackground), Percent(r.MeanIoURandom));
            }

            context.Ui.Write(table);
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("results");
                    foreach (LocalizationScores r in rows)
                    {
                        w.WriteStartObject();
                        w.WriteString("method", r.Method.Name());
                        w.WriteNumber("objects", r.ObjectsPerScene);
                        w.WriteNumber("scenes", r.Scenes);
                        w.WriteNumber("pointing", r.Pointing);
                        w.WriteNumber("pointing_centre", r.PointingCentre);
                        w.WriteNumber("pointing_random", r.PointingRandom);
                        w.WriteNumber("miou", r.MeanIoU);
                        w.WriteNumber("miou_background", r.MeanIoUBackground);
                        w.WriteNumber("miou_random", r.MeanIoURandom);
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

    private static int[] ObjectCounts(string value)
    {
        var counts = new List<int>();
        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int c) || c < 1 || c > 9)
            {
                throw new CliException($"--objects: \"{part}\" is not an object count from 1 to 9.");
            }

            counts.Add(c);
        }

        if (counts.Count == 0)
        {
            throw new CliException("--objects: give at least one object count, e.g. 2,3.");
        }

        return [.. counts];
    }

    private static Command ZeroShot(CliContext context)
    {
        var model = new ModelOptions();
        var data = new Option<string>("--data") { Description = "An image folder with one subfolder per class, named by the class.", Required = true };
        var templates = CliOptions.Template();
        var oldTemplates = CliOptions.Legacy<string>("--templates");
        var confusion = new Option<string?>("--confusion") { Description = "Write the confusion matrix as a PNG here." };
        var json = new Option<bool>("--json") { Description = "One JSON line with the results on stdout." };
        var command = new Command("zeroshot", "Zero-shot top-1 and top-5 accuracy, per-class accuracy and a confusion matrix on a labelled image folder.")
        {
            data, templates, oldTemplates, confusion, json,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            IReadOnlyList<string> prompts = ClassifyCommand.ReadTemplates(CliOptions.Value(parsed, templates, oldTemplates)!);
            LabelledImageFolder folder = LabelledImageFolder.Open(parsed.GetValue(data)!);
            Clip clip = model.Load(parsed, context.Cancellation);
            Tensor classes = ZeroShotClassifier.Create(clip, folder.ClassNames, prompts).ClassEmbeddings;
            Tensor images = Progress.Run(context, "embedding images", folder.Files.Count, p => ImageFolderEmbeddings.Encode(clip, folder, p));
            ZeroShotReport report = ZeroShotEvaluator.Evaluate(images, folder.Labels, classes, folder.ClassNames);
            if (parsed.GetValue(confusion) is string png)
            {
                ConfusionMatrixPlot.Save(png, report.ClassNames, report.Confusion);
                context.Error.WriteLine($"clip: wrote the confusion matrix to {png}");
            }

            var table = new Table().AddColumns("class", "images", "top-1");
            foreach (ClassAccuracy c in report.PerClass)
            {
                table.AddRow(Markup.Escape(c.Name), c.Count.ToString(CultureInfo.InvariantCulture), Percent(c.Accuracy));
            }

            context.Ui.Write(table);
            context.Error.WriteLine(FormattableString.Invariant(
                $"clip: {report.Count} images, {report.ClassNames.Count} classes: top-1 {Percent(report.Top1)}, top-5 {Percent(report.Top5)} (chance {Percent(report.Chance)})"));
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("images", report.Count);
                    w.WriteNumber("classes", report.ClassNames.Count);
                    w.WriteNumber("top1", report.Top1);
                    w.WriteNumber("top5", report.Top5);
                    w.WriteNumber("chance", report.Chance);
                    w.WriteStartObject("per_class");
                    foreach (ClassAccuracy c in report.PerClass)
                    {
                        w.WriteNumber(c.Name, c.Accuracy);
                    }

                    w.WriteEndObject();
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    private static Command Retrieval(CliContext context)
    {
        var model = new ModelOptions();
        var pairs = new Option<string>("--pairs") { Description = "(image, caption) pairs: a .csv/.tsv, .tar webdataset shards, or a folder of images with .txt captions.", Required = true };
        var json = new Option<bool>("--json") { Description = "One JSON line with the results on stdout." };
        var command = new Command("retrieval", "Image→text and text→image recall at 1, 5 and 10 over caption pairs.") { pairs, json };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            CaptionDataset dataset = CaptionDataset.Open(parsed.GetValue(pairs)!);
            Clip clip = model.Load(parsed, context.Cancellation);
            var samples = dataset.Samples;
            IReadOnlyList<Imaging.DecodedImage> decoded = Progress.Run(context, "decoding images", samples.Count, p =>
            {
                var images = new Imaging.DecodedImage[samples.Count];
                Parallel.For(0, samples.Count, i => images[i] = samples[i].Image.Decode());
                return images;
            });
            if (samples.Count < 2)
            {
                throw new CliException($"{parsed.GetValue(pairs)}: retrieval needs at least 2 pairs, found {samples.Count}.");
            }

            Tensor images = clip.EncodeImages(decoded);
            Tensor texts = clip.EncodeTexts([.. samples.Select(s => s.Caption)]);
            RetrievalReport r = RetrievalEvaluator.Evaluate(images, texts);
            var table = new Table().AddColumns("direction", "R@1", "R@5", "R@10");
            table.AddRow("image→text", Percent(r.ImageToTextR1), Percent(r.ImageToTextR5), Percent(r.ImageToTextR10));
            table.AddRow("text→image", Percent(r.TextToImageR1), Percent(r.TextToImageR5), Percent(r.TextToImageR10));
            context.Ui.Write(table);
            context.Error.WriteLine(FormattableString.Invariant($"clip: {r.Count} pairs (chance R@1 {Percent(1.0 / r.Count)})"));
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("pairs", r.Count);
                    w.WriteNumber("image_to_text_r1", r.ImageToTextR1);
                    w.WriteNumber("image_to_text_r5", r.ImageToTextR5);
                    w.WriteNumber("image_to_text_r10", r.ImageToTextR10);
                    w.WriteNumber("text_to_image_r1", r.TextToImageR1);
                    w.WriteNumber("text_to_image_r5", r.TextToImageR5);
                    w.WriteNumber("text_to_image_r10", r.TextToImageR10);
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    private static Command Probe(CliContext context)
    {
        var model = new ModelOptions();
        var train = new Option<string>("--train") { Description = "Labelled image folder (one subfolder per class) to fit on.", Required = true };
        var test = new Option<string?>("--test") { Description = "Labelled image folder to score on (the same class names); default: a split of --train." };
        var testFraction = new Option<double>("--test-fraction") { Description = "Without --test: the share of each class held out for scoring.", DefaultValueFactory = _ => 0.25 };
        var l2 = new Option<double>("--l2") { Description = "L2 penalty on the weights.", DefaultValueFactory = _ => 1e-3 };
        var seed = CliOptions.Seed("Seed of the train/test split.");
        var json = new Option<bool>("--json") { Description = "One JSON line with the results on stdout." };
        var command = new Command(
            "linear-probe", "Logistic regression (L2, L-BFGS) on the frozen image features; reports the test accuracy.")
        {
            train, test, testFraction, l2, seed, json,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            LabelledImageFolder trainFolder = LabelledImageFolder.Open(parsed.GetValue(train)!);
            Clip clip = model.Load(parsed, context.Cancellation);
            Tensor trainFeatures = Progress.Run(context, "embedding images", trainFolder.Files.Count, p => ImageFolderEmbeddings.Encode(clip, trainFolder, p));
            Tensor fitX, testX;
            int[] fitY, testY;
            if (parsed.GetValue(test) is string testPath)
            {
                LabelledImageFolder testFolder = LabelledImageFolder.Open(testPath);
                if (!testFolder.ClassNames.SequenceEqual(trainFolder.ClassNames))
                {
                    throw new CliException($"{testPath}: its classes ({string.Join(", ", testFolder.ClassNames)}) differ from --train's ({string.Join(", ", trainFolder.ClassNames)}).");
                }

                (fitX, fitY) = (trainFeatures, [.. trainFolder.Labels]);
                (testX, testY) = (ImageFolderEmbeddings.Encode(clip, testFolder), [.. testFolder.Labels]);
            }
            else
            {
                var (fitIndex, testIndex) = LinearProbe.Split(trainFolder.Labels, parsed.GetValue(testFraction), parsed.GetValue(seed));
                if (testIndex.Length == 0 || fitIndex.Length == 0)
                {
                    throw new CliException($"{parsed.GetValue(train)}: too few images per class to split into train and test.");
                }

                (fitX, fitY) = (Rows(trainFeatures, fitIndex), [.. fitIndex.Select(i => trainFolder.Labels[i])]);
                (testX, testY) = (Rows(trainFeatures, testIndex), [.. testIndex.Select(i => trainFolder.Labels[i])]);
            }

            LinearProbeReport report = LinearProbe.Evaluate(trainFolder.ClassNames, fitX, fitY, testX, testY, parsed.GetValue(l2));
            context.Error.WriteLine(FormattableString.Invariant(
                $"clip: linear probe on {report.TrainCount} images, scored on {report.TestCount}: accuracy {Percent(report.Accuracy)} (train {Percent(report.TrainAccuracy)}, chance {Percent(report.Chance)}, {report.Iterations} L-BFGS iterations)"));
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("train", report.TrainCount);
                    w.WriteNumber("test", report.TestCount);
                    w.WriteNumber("classes", report.ClassNames.Count);
                    w.WriteNumber("accuracy", report.Accuracy);
                    w.WriteNumber("train_accuracy", report.TrainAccuracy);
                    w.WriteNumber("chance", report.Chance);
                    w.WriteNumber("l2", report.L2);
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    private static Tensor Rows(Tensor x, int[] rows)
    {
        int e = x.Dim(1);
        var data = new float[rows.Length * e];
        for (int i = 0; i < rows.Length; i++)
        {
            x.Span.Slice(rows[i] * e, e).CopyTo(data.AsSpan(i * e, e));
        }

        return new Tensor(data, rows.Length, e);
    }

    private static string Percent(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0%", CultureInfo.InvariantCulture);
}

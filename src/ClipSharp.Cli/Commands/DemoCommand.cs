using System.CommandLine;
using System.Globalization;
using ClipSharp.Training.Demo;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip demo</c>: CLIP trained from scratch on synthetic shapes, then zero-shot and text→image search on held-out images.</summary>
internal static class DemoCommand
{
    // The option defaults are the library's recipe, stated once.
    private static readonly SyntheticDemoOptions Defaults = new() { OutputDirectory = "." };

    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder for the tokenizer, the log, the plots and the trained model.", DefaultValueFactory = _ => "clip-demo" };
        var seed = CliOptions.Seed("Fixes the data, the held-out combinations, the initialisation and the data order.");
        var minutes = new Option<double>("--minutes")
        {
            Description = "Wall-clock budget of the whole demo; the step count is fitted to it from the measured speed.",
            DefaultValueFactory = _ => Defaults.TimeBudget.TotalMinutes,
        };
        var steps = new Option<long?>("--steps") { Description = "Train exactly this many steps instead of fitting the budget (fully deterministic)." };
        var trainCount = new Option<int>("--train-count") { Description = "Distinct training images.", DefaultValueFactory = _ => Defaults.TrainCount };
        var perClass = new Option<int>("--eval-per-class") { Description = "Held-out images per class in each evaluation set.", DefaultValueFactory = _ => Defaults.EvalPerClass };
        var batch = new Option<int>("--batch", "-b") { Description = "Batch size.", DefaultValueFactory = _ => Defaults.BatchSize };
        var width = new Option<int>("--width") { Description = "Width of both towers (and the embedding).", DefaultValueFactory = _ => Defaults.Width };
        var layers = new Option<int>("--layers") { Description = "Layers of the image tower.", DefaultValueFactory = _ => Defaults.Layers };
        var textLayers = new Option<int?>("--text-layers") { Description = "Layers of the text tower." };
        var heads = new Option<int?>("--heads") { Description = "Attention heads of both towers (default: one per 32 channels of --width); must divide --width." };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate (linear warmup, then cosine).", DefaultValueFactory = _ => Defaults.LearningRate };
        var warmup = new Option<double>("--warmup") { Description = "Warmup as a fraction of the steps.", DefaultValueFactory = _ => Defaults.WarmupFraction };
        var imageSize = new Option<int>("--image-size") { Description = "Image side in pixels (48 to 64).", DefaultValueFactory = _ => Defaults.ImageSize };
        var patch = new Option<int>("--patch") { Description = "ViT patch side in pixels; must divide --image-size.", DefaultValueFactory = _ => Defaults.PatchSize };
        var evalEvery = new Option<long>("--eval-every") { Description = "Validate every this many steps (0: only at the end).", DefaultValueFactory = _ => Defaults.EvalEvery };
        var json = new Option<bool>("--json") { Description = "End with one JSON line summarising the run on stdout." };
        var command = new Command(
            "demo",
            "Train a small CLIP from scratch on synthetic captioned shapes on the CPU, then classify held-out images zero-shot "
            + "(including colour×shape combinations never seen in training) and search them by text.")
        {
            output, seed, minutes, steps, trainCount, perClass, batch, width, layers, textLayers, heads, learningRate, warmup, imageSize, patch, evalEvery, json,
        };
        command.SetAction(parsed =>
        {
            double budget = parsed.GetValue(minutes);
            if (!(budget > 0))
            {
                throw new CliException($"--minutes must be positive, got {budget}.");
            }

            var options = new SyntheticDemoOptions
            {
                OutputDirectory = parsed.GetValue(output)!,
                Seed = parsed.GetValue(seed),
                TimeBudget = TimeSpan.FromMinutes(budget),
                Steps = parsed.GetValue(steps),
                TrainCount = parsed.GetValue(trainCount),
                EvalPerClass = parsed.GetValue(perClass),
                BatchSize = parsed.GetValue(batch),
                Width = parsed.GetValue(width),
                Layers = parsed.GetValue(layers),
                Heads = parsed.GetValue(heads),
                TextLayers = parsed.GetValue(textLayers) ?? Defaults.TextLayers,
                LearningRate = parsed.GetValue(learningRate),
                WarmupFraction = parsed.GetValue(warmup),
                ImageSize = parsed.GetValue(imageSize),
                PatchSize = parsed.GetValue(patch),
                EvalEvery = parsed.GetValue(evalEvery),
            };
            IReadOnlyList<DemoOptionProblem> problems = options.Problems();
            if (problems.Count > 0)
            {
                throw new CliException(string.Join("; ", problems.Select(p => $"{FlagOf(p.Option)} {p.Rule} (got {p.Value})")) + ".");
            }

            SyntheticDemoReport report = TrainProgress.Run(
                context, "training", progress => SyntheticDemo.Run(options, message => context.Error.WriteLine($"clip: {message}"), progress));
            WriteSummary(context, report);
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    foreach (DemoMetric m in report.Metrics)
                    {
                        w.WriteNumber(m.Name, Math.Round(m.Value, 4));
                        w.WriteNumber(m.Name + "_chance", Math.Round(m.Chance, 4));
                    }

                    w.WriteNumber("steps", report.Steps);
                    w.WriteNumber("samples_per_s", Math.Round(report.SamplesPerSecond, 1));
                    w.WriteNumber("parameters", report.ParameterCount);
                    w.WriteNumber("train_seconds", Math.Round(report.TrainSeconds, 1));
                    w.WriteNumber("total_seconds", Math.Round(report.TotalSeconds, 1));
                    w.WriteString("model", report.ModelFolder);
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    // The command's spelling of each option the library checks; the others keep the library's name.
    private static string FlagOf(string option) => option switch
    {
        nameof(SyntheticDemoOptions.OutputDirectory) => "--out",
        nameof(SyntheticDemoOptions.Steps) => "--steps",
        nameof(SyntheticDemoOptions.TrainCount) => "--train-count",
        nameof(SyntheticDemoOptions.EvalPerClass) => "--eval-per-class",
        nameof(SyntheticDemoOptions.BatchSize) => "--batch",
        nameof(SyntheticDemoOptions.Width) => "--width",
        nameof(SyntheticDemoOptions.Layers) => "--layers",
        nameof(SyntheticDemoOptions.TextLayers) => "--text-layers",
        nameof(SyntheticDemoOptions.Heads) => "--heads",
        nameof(SyntheticDemoOptions.LearningRate) => "--lr",
        nameof(SyntheticDemoOptions.WarmupFraction) => "--warmup",
        nameof(SyntheticDemoOptions.ImageSize) => "--image-size",
        nameof(SyntheticDemoOptions.PatchSize) => "--patch",
        nameof(SyntheticDemoOptions.EvalEvery) => "--eval-every",
        _ => option,
    };

    private static void WriteSummary(CliContext context, SyntheticDemoReport report)
    {
        var table = new Table().AddColumns("metric", "accuracy", "chance", "what");
        foreach (DemoMetric m in report.Metrics)
        {
            table.AddRow(m.Name, Percent(m.Value), Percent(m.Chance), Markup.Escape(m.Description));
        }

        context.Ui.Write(table);
        context.Error.WriteLine();
        foreach (DemoSearchResult search in report.Searches)
        {
            context.Error.WriteLine($"search \"{search.Query}\":");
            for (int i = 0; i < search.Top.Count; i++)
            {
                context.Error.WriteLine($"  {i + 1}. {(search.Top[i].Match ? "✓" : "✗")} {search.Top[i].Image}");
            }
        }

        context.Error.WriteLine(FormattableString.Invariant(
            $"clip: trained {report.Steps} steps in {report.TrainSeconds:F0} s ({report.SamplesPerSecond:F0} samples/s); whole demo {report.TotalSeconds:F0} s"));
        context.Error.WriteLine($"clip: the trained model: {report.ModelFolder} (try: clip classify --model {report.ModelFolder} ...)");
        context.Error.WriteLine($"clip: plots: {string.Join(", ", report.Plots)}");
    }

    private static string Percent(double v) => v.ToString("0.0%", CultureInfo.InvariantCulture);
}

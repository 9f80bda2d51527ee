using System.CommandLine;
using System.Globalization;
using ClipSharp.Evaluation;
using ClipSharp.Generation;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip eval generate --model A --judge B</c>: images made by A for every colour×shape prompt, named by B
/// zero-shot, beside the raw-pixel baseline. See <see cref="GenerationTransferEvaluator"/>.
/// </summary>
internal static class EvalGenerateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var judge = new Option<string>("--judge") { Description = "The model that names the images' colour and shape (trained with another seed).", Required = true };
        var defaults = new GeneratorOptions();
        var steps = new Option<int>("--steps") { Description = "Optimiser steps per image.", DefaultValueFactory = _ => defaults.Steps };
        var seed = CliOptions.Seed("Fixes each image's start, crops and noise.");
        var views = new Option<int>("--views") { Description = "Augmented views scored per step.", DefaultValueFactory = _ => defaults.Views };
        var json = CliOptions.Json("One JSON line with the results on stdout.");
        var command = new Command(
            "generate", "Guided synthesis judged by another model: B's colour and shape accuracy on A's images for every colour×shape prompt, beside raw pixels optimised without augmentations.")
        {
            judge, steps, seed, views, json,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            Clip maker = model.LoadTrainable(parsed, context.Cancellation);
            Clip judging = Clip.Load(parsed.GetValue(judge)!, null, context.Cancellation);
            var options = new GeneratorOptions { Steps = parsed.GetValue(steps), Seed = parsed.GetValue(seed), Views = parsed.GetValue(views) };
            int total = 2 * GenerationTransferEvaluator.AllCombinations.Count;
            IReadOnlyList<GenerationTransferScores> rows;
            try
            {
                rows = Progress.Run(
                    context, "generating", total,
                    p => GenerationTransferEvaluator.Evaluate(maker, judging, options, progress: p, cancellation: context.Cancellation));
            }
            catch (NotSupportedException e)
            {
                throw new CliException($"{maker.Name}: {e.Message}");
            }

            var table = new Table().AddColumns("method", "images", "colour (judge)", "shape (judge)", "both (judge)", "colour (self)", "shape (self)", "cosine (self)");
            foreach (GenerationTransferScores r in rows)
            {
                table.AddRow(
                    r.Method, r.Images.ToString(CultureInfo.InvariantCulture), Percent(r.ColorAccuracy), Percent(r.ShapeAccuracy),
                    Percent(r.BothAccuracy), Percent(r.SelfColorAccuracy), Percent(r.SelfShapeAccuracy),
                    r.MeanSimilarity.ToString("F3", CultureInfo.InvariantCulture));
            }

            context.Ui.Write(table);
            context.Ui.MarkupLine(FormattableString.Invariant(
                $"chance: colour {Percent(GenerationTransferScores.ColorChance)}, shape {Percent(GenerationTransferScores.ShapeChance)}"));
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("color_chance", GenerationTransferScores.ColorChance);
                    w.WriteNumber("shape_chance", GenerationTransferScores.ShapeChance);
                    w.WriteStartArray("results");
                    foreach (GenerationTransferScores r in rows)
                    {
                        w.WriteStartObject();
                        w.WriteString("method", r.Method);
                        w.WriteNumber("images", r.Images);
                        w.WriteNumber("color", r.ColorAccuracy);
                        w.WriteNumber("shape", r.ShapeAccuracy);
                        w.WriteNumber("both", r.BothAccuracy);
                        w.WriteNumber("self_color", r.SelfColorAccuracy);
                        w.WriteNumber("self_shape", r.SelfShapeAccuracy);
                        w.WriteNumber("self_cosine", r.MeanSimilarity);
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

    private static string Percent(double v) => v.ToString("0.0%", CultureInfo.InvariantCulture);
}

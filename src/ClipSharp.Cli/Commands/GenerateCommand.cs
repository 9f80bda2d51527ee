using System.CommandLine;
using System.Globalization;
using ClipSharp.Generation;
using ClipSharp.Imaging;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip generate "a blue star" --out star.png</c>: an image optimised toward a prompt, see <see cref="ClipGenerator"/>.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var prompt = new Argument<string>("prompt") { Description = "What to draw, e.g. \"a blue star\" (used verbatim)." };
        var output = CliOptions.Out<string>("Write the image to this .png file.");
        output.Required = true;
        var force = new Option<bool>("--force") { Description = "Replace --out (and frames in --frames) if they exist." };
        var defaults = new GeneratorOptions();
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => defaults.Steps };
        var seed = CliOptions.Seed("Fixes the starting image, the crops and the noise.");
        var size = new Option<int?>("--size") { Description = "Pixels per side of the image (default: the model's input resolution)." };
        var views = new Option<int>("--views") { Description = "Augmented views scored per step.", DefaultValueFactory = _ => defaults.Views };
        var rate = new Option<double>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var tv = new Option<float>("--tv") { Description = "Weight of the total-variation penalty.", DefaultValueFactory = _ => defaults.TotalVariation };
        var raw = new Option<bool>("--raw-pixels") { Description = "The adversarial baseline: optimise the pixels themselves, no augmentations, no penalty." };
        var frames = new Option<string?>("--frames") { Description = "Write the trajectory as numbered PNG frames into this folder." };
        var frameEvery = new Option<int?>("--frame-every") { Description = "With --frames: a frame every this many steps (default: steps / 20)." };
        var json = CliOptions.Json("Print the result as one JSON line on stdout.");
        var command = new Command("generate", "Draw an image for a prompt by following the gradient of CLIP's image-text similarity down to the pixels (smooth pyramid, random crops, noise, total variation).")
        {
            prompt, output, force, steps, seed, size, views, rate, tv, raw, frames, frameEvery, json,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            string text = parsed.GetValue(prompt)!;
            string outPath = parsed.GetValue(output)!;
            bool overwrite = parsed.GetValue(force);
            CliOptions.CheckOutFile(outPath, overwrite, ".png");
            string? framesFolder = parsed.GetValue(frames);
            int n = parsed.GetValue(steps);
            int every = parsed.GetValue(frameEvery) ?? Math.Max(1, n / 20);
            if (parsed.GetValue(frameEvery) is not null && framesFolder is null)
            {
                throw new CliException("--frame-every needs --frames DIR.");
            }

            var options = new GeneratorOptions
            {
                Steps = n,
                Seed = parsed.GetValue(seed),
                Size = parsed.GetValue(size),
                Views = parsed.GetValue(views),
                LearningRate = parsed.GetValue(rate),
                TotalVariation = parsed.GetValue(tv),
                FrameEvery = framesFolder is null ? 0 : every,
            };
            if (parsed.GetValue(raw))
            {
                options = options.AsRawPixelBaseline();
            }

            Clip clip = model.LoadTrainable(parsed, context.Cancellation);
            ClipGenerator generator;
            try
            {
                generator = ClipGenerator.Create(clip, options);
            }
            catch (NotSupportedException e)
            {
                throw new CliException($"{clip.Name}: {e.Message}");
            }

            GenerationResult result = Progress.Run(
                context, "generating", n,
                p => generator.Generate(text, p is null ? null : new Progress<GenerationProgress>(g => p.Report(g.Step)), context.Cancellation));
            PngFile.Save(outPath, result.Image, overwrite);
            IReadOnlyList<string> written = framesFolder is null ? [] : TrajectoryFolder.Save(framesFolder, result.Frames, overwrite);
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("prompt", text);
                    w.WriteString("out", outPath);
                    w.WriteNumber("size", result.Image.Width);
                    w.WriteNumber("steps", n);
                    w.WriteString("parametrization", options.Parametrization == ImageParametrization.Pyramid ? "pyramid" : "raw_pixels");
                    w.WriteNumber("similarity", result.Similarity);
                    w.WriteNumber("start_similarity", result.Trajectory[0]);
                    w.WriteNumber("frames", written.Count);
                    w.WriteEndObject();
                }));
                return ClipCli.ExitOk;
            }

            context.Ui.MarkupLine(FormattableString.Invariant(
                $"wrote [bold]{Markup.Escape(outPath)}[/] ({result.Image.Width} px): cosine with the prompt {result.Similarity.ToString("F4", CultureInfo.InvariantCulture)}"));
            if (written.Count > 0)
            {
                context.Ui.MarkupLine($"wrote {written.Count} frames into [bold]{Markup.Escape(framesFolder!)}[/]");
            }

            return ClipCli.ExitOk;
        });
        return command;
    }
}

using System.Diagnostics;
using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Evaluation;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Text;

namespace ClipSharp.Training.Demo;

/// <summary>
/// CLIP from scratch on the CPU: synthesise captioned shapes, learn a word-level BPE vocabulary from the captions,
/// train a small CLIP with the reference initialisation, then classify held-out images zero-shot (including
/// colour×shape combinations never seen in training) and search them by text.
/// </summary>
/// <remarks>
/// Deterministic for a given seed and step count. With <see cref="SyntheticDemoOptions.Steps"/> unset, the step count
/// is fitted to the time budget from the speed measured on this machine, so it (and what follows from it) depends on
/// the wall clock, and should the machine slow down later, training stops at the budget before the planned count;
/// the log and the report state the count used.
/// </remarks>
public static class SyntheticDemo
{
    public const string TokenizerFolderName = "tokenizer";
    public const string RunFolderName = "run";
    public const string ConfusionFileName = "confusion.png";

    public static SyntheticDemoReport Run(
        SyntheticDemoOptions options, Action<string>? say = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        say ??= _ => { };
        Directory.CreateDirectory(options.OutputDirectory);
        long seed = options.Seed;

        // 1. Data: training images rendered once into memory; the evaluation sets transformed once.
        HeldOutSplit split = HeldOutSplit.Create(seed);
        var items = new SynthItem[options.TrainCount];
        var images = new DecodedImage[options.TrainCount];
        Parallel.For(0, options.TrainCount, i =>
        {
            items[i] = SyntheticCorpus.Training(seed, split, i, options.SingleObjectShare);
            images[i] = SceneRenderer.Render(items[i].Scene, options.ImageSize);
        });
        var samples = new CaptionedSample[options.TrainCount];
        for (int i = 0; i < samples.Length; i++)
        {
            DecodedImage image = images[i];
            string key = $"train/{i:D6}";
            samples[i] = new CaptionedSample(key, ImageSource.FromPixels(key, () => image), items[i].Caption);
        }

        var dataset = new CaptionDataset($"synthetic shapes (seed {seed}, {options.TrainCount} images, {options.ImageSize} px)", samples);
        var transform = new ClipImageTransform(options.ImageSize);
        var sets = DemoEvaluationSets.Render(seed, options.EvalPerClass, options.ImageSize, transform);
        say($"synthesised {options.TrainCount} captioned training images and {sets.Sets.Sum(s => s.Labels.Length)} evaluation images "
            + $"({options.ImageSize} px); held out of training: {string.Join(", ", split.HeldOut.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape)))}");

        // 2. A word-level vocabulary: enough merges that every caption word is one token.
        string tokenizerFolder = Path.Combine(options.OutputDirectory, TokenizerFolderName);
        Directory.CreateDirectory(tokenizerFolder);
        string mergesPath = Path.Combine(tokenizerFolder, TokenizerFiles.OpenAiBpeFileName);
        var merges = BpeTrainer.Train(items.Select(i => i.Caption), 5000);
        BpeTrainer.WriteMergesFile(mergesPath, merges, overwrite: true);
        ClipTokenizer tokenizer = ClipTokenizer.Create(mergesPath);
        say($"learned {merges.Count} BPE merges from the captions: a vocabulary of {tokenizer.VocabularySize} tokens, one per word");

        int heads = options.Heads ?? Math.Max(1, options.Width / 32);
        var config = new ClipConfig(
            options.Width, options.ImageSize, [options.Layers], options.Width, options.PatchSize, options.ContextLength,
            tokenizer.VocabularySize, options.Width, heads, options.TextLayers ?? options.Layers);
        var loaderOptions = new DataLoaderOptions { BatchSize = options.BatchSize, Seed = seed, DropLast = true, ContextLength = options.ContextLength };
        var evaluator = new DemoEvaluator(sets);
        Clip ClipOf(ClipModel m) => new(m, tokenizer, transform, "demo");

        // 3. The step count: measured speed × what is left of the budget after a reserve for the evaluations.
        long steps;
        TimeSpan? limit = null;
        if (options.Steps is long fixedSteps)
        {
            steps = fixedSteps;
        }
        else
        {
            (double stepSeconds, double evalSeconds) = Calibrate(config, (int)seed, dataset, tokenizer, transform, loaderOptions, evaluator, ClipOf);
            long required = (options.RecipeSamples + options.BatchSize - 1) / options.BatchSize;
            DemoPlan plan = DemoBudget.Fit(options.TimeBudget, clock.Elapsed, stepSeconds, evalSeconds, options.EvalEvery, options.BatchSize, required);
            steps = plan.Steps;

            // If the machine slows down after the measurement, training ends early rather than overrunning the budget.
            limit = plan.TrainLimit;
            say($"measured {plan.SamplesPerSecond:F0} samples/s: {steps} steps fit the {options.TimeBudget.TotalMinutes:F1} min budget");
        }

        // 4. Train from scratch.
        ClipModel model = ClipModel.Create(config, (int)seed);
        say($"training a {model.ParameterCount / 1e6:F2}M-parameter CLIP (ViT {options.ImageSize} px, patch {options.PatchSize}, width {options.Width}, "
            + $"{Count(options.Layers, "layer")}, {Count(heads, "head")}; text width {options.Width}, {Count(config.TransformerLayers, "layer")}, "
            + $"context {options.ContextLength}) "
            + $"for {steps} steps of {options.BatchSize}");
        var loader = new ClipDataLoader(dataset, tokenizer, new EvaluationPixelTransform(transform), loaderOptions);
        var run = new TrainingRun(
            model, loader, TokenizerFiles.OpenAi(mergesPath), PreprocessSettings.ForResolution(options.ImageSize),
            new TrainingRunOptions
            {
                OutputDirectory = Path.Combine(options.OutputDirectory, RunFolderName),
                Steps = steps,
                LearningRate = options.LearningRate,
                WarmupSteps = Math.Max(1, (long)(steps * options.WarmupFraction)),
                WeightDecay = 0.1,
                EvalEvery = options.EvalEvery,
                LogEvery = 10,
                KeepCheckpoints = 1,
                TimeLimit = limit,
            },
            m => evaluator.Validate(ClipOf(m)));
        TrainingRunResult result = run.Run(progress, cancellationToken);

        // 5. Evaluate the final model.
        var (metrics, searches, combined) = evaluator.Measure(ClipOf(model));
        string confusion = Path.Combine(run.PlotsFolder, ConfusionFileName);
        ConfusionMatrixPlot.Save(confusion, combined.ClassNames, combined.Confusion, "Held-out images, 48-way zero-shot");

        // 6. Where it looks: the pointing game, and one overlay picture among the plots.
        metrics = [.. metrics, DemoLocalization.Measure(ClipOf(model), seed, options.ImageSize, run.PlotsFolder)];
        string[] plots = [.. Directory.GetFiles(run.PlotsFolder, "*.png").Order(StringComparer.Ordinal)];
        return new SyntheticDemoReport(
            metrics, searches, [.. split.HeldOut.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape))],
            result.Steps, result.SamplesPerSecond, result.TrainSeconds, clock.Elapsed.TotalSeconds, model.ParameterCount, result.FinalCheckpoint, plots);
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    // Times a few steps of a throwaway model of the same design and one validation. The first steps run before the JIT
    // has moved the kernels to optimised code and are several times slower, so they are left out.
    private static (double StepSeconds, double EvalSeconds) Calibrate(
        ClipConfig config, int seed, CaptionDataset dataset, ClipTokenizer tokenizer, ClipImageTransform transform,
        DataLoaderOptions loaderOptions, DemoEvaluator evaluator, Func<ClipModel, Clip> clipOf)
    {
        ClipModel probe = ClipModel.Create(config, seed);
        var trainer = new ContrastiveTrainer(probe, new ContrastiveTrainerOptions { Schedule = new ConstantSchedule(1e-4) });
        var loader = new ClipDataLoader(dataset, tokenizer, new EvaluationPixelTransform(transform), loaderOptions);
        const int Warm = 16, Timed = 8;
        var watch = new Stopwatch();
        int taken = 0;
        foreach (ClipBatch batch in loader.Read())
        {
            if (taken == Warm)
            {
                watch.Start();
            }

            trainer.Step(batch.Images, batch.Tokens);
            if (++taken == Warm + Timed)
            {
                break;
            }
        }

        double step = watch.Elapsed.TotalSeconds / Timed;
        var evalWatch = Stopwatch.StartNew();
        evaluator.Validate(clipOf(probe));
        return (step, evalWatch.Elapsed.TotalSeconds);
    }
}

using System.CommandLine;
using System.Globalization;
using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.Distributed;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Text;
using ClipSharp.Training;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip train</c>: train CLIP from scratch or fine-tune a model folder, with a log, plots, validation and exact-resume
/// checkpoints. Started by <c>mpirun</c> or <c>srun</c>, each process is one rank of a data-parallel job over MPI:
/// rank 0 writes the run folder and reports, a failing rank ends the job.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var config = new Option<string?>("--config") { Description = "A JSON file of settings (the flag names in snake_case, e.g. \"weight_decay\"); flags override it." };
        var data = new Option<string?>("--data") { Description = "Training pairs: a .csv/.tsv of (image, caption), .tar webdataset shards, or a folder of images with .txt captions." };
        var output = new Option<string?>("--out", "-o") { Description = "The run folder: train.json, run.json, log.jsonl, plots/, checkpoints/." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint, exactly where it stopped." };
        var model = new Option<string?>("--model", "-m") { Description = "Fine-tune this model folder (Hugging Face or OpenAI layout) instead of training from scratch." };
        var preset = new Option<string?>("--preset") { Description = $"Train from scratch with a reference architecture: {string.Join(", ", ClipPresets.Names)}." };
        var embedDim = new Option<int?>("--embed-dim") { Description = "Custom model: embedding size (default 128)." };
        var imageSize = new Option<int?>("--image-size") { Description = "Custom model: image side in pixels (default 48)." };
        var patch = new Option<int?>("--patch-size") { Description = "Custom model: ViT patch size (default 8)." };
        var visionWidth = new Option<int?>("--vision-width") { Description = "Custom model: ViT width, a multiple of 64 (default 128)." };
        var visionLayers = new Option<int?>("--vision-layers") { Description = "Custom model: ViT layers (default 4)." };
        var textWidth = new Option<int?>("--text-width") { Description = "Custom model: text Transformer width (default 128)." };
        var textLayers = new Option<int?>("--text-layers") { Description = "Custom model: text Transformer layers (default 4)." };
        var textHeads = new Option<int?>("--text-heads") { Description = "Custom model: text attention heads (default width/64)." };
        var contextLength = new Option<int?>("--context-length") { Description = "Custom model: token context (default 20)." };
        var vocab = new Option<string?>("--vocab") { Description = "Tokenizer files (bpe_simple_vocab_16e6.txt.gz or a merges file, or a folder with vocab.json + merges.txt); default: the fine-tuned model's, or learned from the captions." };
        var merges = new Option<int?>("--merges") { Description = "Without --vocab for a new model: at most this many BPE merges learned from the captions (default 5000)." };
        var batch = new Option<int?>("--batch", "-b") { Description = "Batch size (default 128)." };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs, instead of --steps (drop-last batches)." };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default 5e-4)." };
        var warmup = new Option<long?>("--warmup") { Description = "Linear warmup steps before the cosine decay (default 5% of the steps)." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "AdamW weight decay of the weights of two or more dimensions (default 0.2)." };
        var maxGradNorm = new Option<double?>("--max-grad-norm") { Description = "Clip the global gradient norm (default: no clipping)." };
        var seed = new Option<int?>("--seed") { Description = "Fixes the initialisation, shuffles and augmentation (default 0)." };
        var augment = new Option<bool>("--augment") { Description = "Random resized crops (scale 0.9 to 1) instead of the exact evaluation transform." };
        var lockTower = new Option<string?>("--lock") { Description = "Freeze a tower: image, text or none (default)." };
        var chunk = new Option<int?>("--chunk-size") { Description = "Gradient caching: embed and backpropagate the batch in chunks of this many pairs." };
        var zero1 = new Option<bool>("--zero1", "--shard-optimizer")
        {
            Description = "Over several ranks, ZeRO-1: each rank keeps the AdamW moments of its slice of the parameters only. A choice of this launch (not saved with the run): a resume may turn it on or off.",
        };
        var checkpointEvery = new Option<long?>("--checkpoint-every") { Description = "Checkpoint every N steps (default 500; always at the end)." };
        var keep = new Option<int?>("--keep-checkpoints") { Description = "Checkpoints kept on disk (default 2)." };
        var evalEvery = new Option<long?>("--eval-every") { Description = "Validate every N steps (default 500; always at the end when validation data is given)." };
        var logEvery = new Option<long?>("--log-every") { Description = "Log every N steps (default 1)." };
        var val = new Option<string?>("--val") { Description = "Validation pairs (same formats as --data): image↔text retrieval R@1 and R@5." };
        var valZeroShot = new Option<string?>("--val-zeroshot") { Description = "A labelled image folder (one subfolder per class): zero-shot top-1 with the prompt \"a {class}\"." };
        var json = CliOptions.Json("Accepted for uniformity: the summary on stdout is one JSON line already.");
        var workers = new Option<int?>("--workers") { Description = "Data-loading threads (default: cores less one)." };
        var command = new Command("train", "Train CLIP with the contrastive loss: from scratch (a preset or a custom size) or by fine-tuning a model folder.")
        {
            config, data, output, resume, model, preset, embedDim, imageSize, patch, visionWidth, visionLayers, textWidth, textLayers, textHeads,
            contextLength, vocab, merges, batch, steps, epochs, lr, warmup, weightDecay, maxGradNorm, seed, augment, lockTower, chunk,
            zero1, checkpointEvery, keep, evalEvery, logEvery, val, valZeroShot, workers, json,
        };
        command.SetAction(parsed => JobRunner.Run(context, communicator => Train(parsed, communicator)));
        return command;

        int Train(ParseResult parsed, ICommunicator communicator)
        {
            bool root = communicator.Rank == 0;
            bool resuming = parsed.GetValue(resume);
            string? outFlag = parsed.GetValue(output);
            if (resuming && outFlag is null)
            {
                throw new CliException("--resume needs --out, the folder of the run to continue.");
            }

            TrainSettings s = TrainSettings.Create(parsed, parsed.GetValue(config), resuming ? outFlag : null);
            string outDir = s.GetString(output, "out") ?? throw new CliException("give --out, the folder for the run.");
            string dataPath = s.GetString(data, "data") ?? throw new CliException("give --data, the training pairs.");
            int seedValue = s.Get(seed, "seed", 0);
            int batchSize = s.Get(batch, "batch", 128);
            if (batchSize < 2)
            {
                throw new CliException($"--batch must be at least 2 (the contrastive loss needs negatives), got {batchSize}.");
            }

            if (batchSize < communicator.Size)
            {
                throw new CliException($"--batch {batchSize} is the global batch; it must give each of the {communicator.Size} ranks at least one pair.");
            }

            CaptionDataset dataset = CaptionDataset.Open(dataPath);
            var (clipModel, tokenizerFiles, preprocess) = BuildModel(communicator, s, resuming, outDir, dataset, seedValue, model, preset, vocab, merges,
                embedDim, imageSize, patch, visionWidth, visionLayers, textWidth, textLayers, textHeads, contextLength);
            ClipTokenizer tokenizer = Clip.OpenTokenizer(tokenizerFiles);
            if (tokenizer.VocabularySize > clipModel.Config.VocabSize)
            {
                throw new CliException($"the tokenizer has {tokenizer.VocabularySize} tokens but the model's vocabulary holds {clipModel.Config.VocabSize}.");
            }

            var evalTransform = new ClipImageTransform(preprocess.CropSize, preprocess.Mean, preprocess.Std);
            IPixelTransform transform = s.GetFlag(augment, "augment")
                ? new RandomResizedCrop(preprocess.CropSize, mean: preprocess.Mean, std: preprocess.Std)
                : new EvaluationPixelTransform(evalTransform);
            int? workerCount = s.GetOptional(workers, "workers");
            var loader = new ClipDataLoader(dataset, tokenizer, transform, new DataLoaderOptions
            {
                BatchSize = batchSize,
                Seed = seedValue,
                DropLast = true,
                ContextLength = clipModel.Config.ContextLength,
                Workers = workerCount,
                Shard = BatchShard.Of(communicator),
            });
            long? stepCount = s.GetOptional(steps, "steps");
            int? epochCount = s.GetOptional(epochs, "epochs");
            if ((stepCount is null) == (epochCount is null))
            {
                throw new CliException("give exactly one of --steps or --epochs.");
            }

            long total = stepCount ?? ((long)epochCount!.Value * loader.BatchesPerEpoch);
            if (total < 1)
            {
                throw new CliException($"--steps/--epochs must give at least one step, got {total}.");
            }

            var options = new TrainingRunOptions
            {
                OutputDirectory = outDir,
                Steps = total,
                LearningRate = s.Get(lr, "lr", 5e-4),
                WarmupSteps = Math.Min(total, s.Get(warmup, "warmup", total / 20)),
                WeightDecay = s.Get(weightDecay, "weight_decay", 0.2),
                MaxGradNorm = s.GetOptional(maxGradNorm, "max_grad_norm"),
                Lock = ParseLock(s.GetString(lockTower, "lock", "none")!),
                ChunkSize = s.GetOptional(chunk, "chunk_size"),
                ShardOptimizer = parsed.GetValue(zero1),
                CheckpointEvery = s.Get(checkpointEvery, "checkpoint_every", 500L),
                KeepCheckpoints = s.Get(keep, "keep_checkpoints", 2),
                EvalEvery = s.Get(evalEvery, "eval_every", 500L),
                LogEvery = s.Get(logEvery, "log_every", 1L),
                Resume = resuming,
            };
            var validation = TrainValidation.Create(s.GetString(val, "val"), s.GetString(valZeroShot, "val_zeroshot"), tokenizer, evalTransform);
            if (!resuming && root)
            {
                s.Save(outDir);
            }

            var run = new TrainingRun(
                clipModel, loader, tokenizerFiles, preprocess, options, validation is null ? null : validation.Evaluate, communicator);
            if (!root)
            {
                // Rank 0 speaks for the job; the others only train.
                run.Run(null, context.Cancellation);
                return ClipCli.ExitOk;
            }

            string ranks = communicator.Size > 1 ? FormattableString.Invariant($" over {communicator.Size} ranks") : "";
            context.Error.WriteLine(FormattableString.Invariant(
                $"clip: {(resuming ? "resuming" : "training")} {clipModel.ParameterCount / 1e6:F2}M parameters on {loader.SampleCount} pairs for {total} steps of {batchSize} ({loader.BatchesPerEpoch} per epoch){ranks} into {outDir}"));
            TrainingRunResult result;
            try
            {
                result = TrainProgress.Run(context, "training", progress => run.Run(progress, context.Cancellation));
            }
            catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
            {
                string? kept = RunCheckpoint.List(run.CheckpointsFolder).LastOrDefault();
                context.Warn(kept is null
                    ? "stopped before the first checkpoint; nothing to resume."
                    : $"the last checkpoint, {kept}, is kept; continue with: clip train --resume --out {outDir}");
                throw;
            }
            catch (TrainingDivergedException e)
            {
                throw new CliException(e.Message);
            }

            foreach (var (reason, n) in loader.BadSamples.CountsByReason)
            {
                context.Warn($"skipped {n} sample(s): {reason}");
            }

            context.Error.WriteLine(FormattableString.Invariant(
                $"clip: finished step {result.Steps}, loss {result.LastLoss:F4}, {result.SamplesPerSecond:F0} samples/s; model: {result.FinalCheckpoint}"));
            long taken = result.Steps - result.StartStep;
            if (communicator.Size > 1 && taken > 0)
            {
                CommunicationTotals c = result.Communication;
                context.Error.WriteLine(FormattableString.Invariant(
                    $"clip: communication on rank {communicator.Rank} of {communicator.Size}: {c.Seconds * 1e3 / taken:F1} ms/step ({c.Seconds / Math.Max(result.TrainSeconds, 1e-9):P1} of the steps' time), {c.Bytes / 1e6 / taken:F2} MB/step sent"));
            }

            if (result.LastEvaluation is { } metrics)
            {
                context.Error.WriteLine("clip: validation: " + string.Join(", ", metrics.Select(m => FormattableString.Invariant($"{m.Key} {m.Value:P1}"))));
            }

            context.Out.WriteLine(JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("steps", result.Steps);
                w.WriteNumber("start_step", result.StartStep);
                w.WriteNumber("loss", result.LastLoss);
                w.WriteNumber("samples_per_s", Math.Round(result.SamplesPerSecond, 1));
                w.WriteNumber("bad_samples", result.BadSamples.Count);
                if (communicator.Size > 1 && taken > 0)
                {
                    w.WriteNumber("world_size", communicator.Size);
                    w.WriteNumber("comm_ms_per_step", Math.Round(result.Communication.Seconds * 1e3 / taken, 3));
                    w.WriteNumber("comm_share", Math.Round(result.Communication.Seconds / Math.Max(result.TrainSeconds, 1e-9), 4));
                    w.WriteNumber("comm_bytes_per_step", result.Communication.Bytes / taken);
                }

                w.WriteString("checkpoint", result.FinalCheckpoint);
                if (result.LastEvaluation is { } m)
                {
                    foreach (var (k, v) in m)
                    {
                        w.WriteNumber(k, v);
                    }
                }

                w.WriteEndObject();
            }));
            return ClipCli.ExitOk;
        }
    }

    private static (ClipModel Model, TokenizerFiles Tokenizer, PreprocessSettings Preprocess) BuildModel(
        ICommunicator communicator, TrainSettings s, bool resuming, string outDir, CaptionDataset dataset, int seed,
        Option<string?> model, Option<string?> preset, Option<string?> vocab, Option<int?> merges, Option<int?> embedDim, Option<int?> imageSize,
        Option<int?> patch, Option<int?> visionWidth, Option<int?> visionLayers, Option<int?> textWidth, Option<int?> textLayers,
        Option<int?> textHeads, Option<int?> contextLength)
    {
        string? modelPath = s.GetString(model, "model");
        string? presetName = s.GetString(preset, "preset");
        string? vocabPath = s.GetString(vocab, "vocab");
        if (modelPath is not null && presetName is not null)
        {
            throw new CliException("give --model (fine-tune) or --preset (from scratch), not both.");
        }

        if (modelPath is not null)
        {
            ClipCheckpoint checkpoint = ModelFolder.Load(modelPath, vocabPath);
            return (ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict), checkpoint.Tokenizer, checkpoint.Preprocess);
        }

        TokenizerFiles tokenizer = vocabPath is not null ? LocateVocab(vocabPath) : LearnVocab(communicator, s, merges, resuming, outDir, dataset);
        ClipConfig config;
        if (presetName is not null)
        {
            if (!ClipPresets.Names.Contains(presetName))
            {
                throw new CliException($"unknown preset '{presetName}'; choose one of {string.Join(", ", ClipPresets.Names)}.");
            }

            config = ClipPresets.Get(presetName);
        }
        else
        {
            int vocabSize = Clip.OpenTokenizer(tokenizer).VocabularySize;
            int vw = s.Get(visionWidth, "vision_width", 128);
            int tw = s.Get(textWidth, "text_width", 128);
            config = new ClipConfig(
                s.Get(embedDim, "embed_dim", 128), s.Get(imageSize, "image_size", 48), [s.Get(visionLayers, "vision_layers", 4)], vw,
                s.Get(patch, "patch_size", 8), s.Get(contextLength, "context_length", 20), vocabSize, tw,
                s.Get(textHeads, "text_heads", Math.Max(1, tw / 64)), s.Get(textLayers, "text_layers", 4));
        }

        return (ClipModel.Create(config, seed), tokenizer, PreprocessSettings.ForResolution(config.ImageResolution));
    }

    // A merges file of any name is taken as an OpenAI-format vocabulary; folders and .gz go through the usual locator.
    private static TokenizerFiles LocateVocab(string path) =>
        File.Exists(path) && !path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && Path.GetFileName(path) != TokenizerFiles.VocabJsonFileName
            ? TokenizerFiles.OpenAi(Path.GetFullPath(path))
            : TokenizerFiles.Locate(path);

    // Rank 0 learns the merges and writes them; the other ranks read that file once it is there.
    private static TokenizerFiles LearnVocab(
        ICommunicator communicator, TrainSettings s, Option<int?> merges, bool resuming, string outDir, CaptionDataset dataset)
    {
        int count = s.Get(merges, "merges", 5000);
        string path = Path.Combine(outDir, "tokenizer", TokenizerFiles.OpenAiBpeFileName);
        if (resuming)
        {
            return File.Exists(path) ? TokenizerFiles.OpenAi(path) : throw new CliException($"{path}: the run's learned tokenizer is missing.");
        }

        if (communicator.Rank == 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            BpeTrainer.WriteMergesFile(path, BpeTrainer.Train(dataset.Samples.Select(x => x.Caption), count), overwrite: true);
        }

        if (communicator.Size > 1)
        {
            communicator.Barrier();
        }

        return TokenizerFiles.OpenAi(path);
    }

    private static TowerLock ParseLock(string value) => value.ToLowerInvariant() switch
    {
        "none" => TowerLock.None,
        "image" => TowerLock.Image,
        "text" => TowerLock.Text,
        _ => throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--lock must be image, text or none, got '{value}'.")),
    };
}

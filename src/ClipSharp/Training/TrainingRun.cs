using System.Diagnostics;
using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.Distributed;
using ClipSharp.IO;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Training.Plots;

namespace ClipSharp.Training;

/// <summary>
/// A training run in an output folder: the loop over the data loader's batches, a JSONL log, PNG plots, validation
/// every N steps, and checkpoints every N steps and at the end. A resumed run restores the weights, the AdamW moments
/// and step count, and the data position from the latest checkpoint, so from there it takes exactly the steps the
/// uninterrupted run would have taken: the same batches, the same learning rates, the same losses.
/// </summary>
/// <remarks>
/// Folder layout: <c>run.json</c> (what fixes the numbers, checked on resume), <c>log.jsonl</c>,
/// <c>plots/*.png</c>, <c>checkpoints/step-NNNNNN/</c> (see <see cref="RunCheckpoint"/>).
/// <para>
/// Data-parallel, every rank of the job runs the same <see cref="TrainingRun"/> with a loader that reads its shard
/// of each global batch; the steps are collective, and rank 0 alone writes the folder (run.json records
/// <c>world_size</c>) and runs the validation. A rank that fails outside the collective decisions (which every rank
/// takes alike) must end the job through <see cref="ICommunicator.Abort"/>, or the others wait for it.
/// </para>
/// </remarks>
public sealed class TrainingRun
{
    public const string LogFileName = "log.jsonl";
    public const string RunFileName = "run.json";
    public const string CheckpointsFolderName = "checkpoints";
    public const string PlotsFolderName = "plots";

    private readonly ClipModel _model;
    private readonly ClipDataLoader _loader;
    private readonly TokenizerFiles _tokenizer;
    private readonly PreprocessSettings _preprocess;
    private readonly Func<ClipModel, IReadOnlyDictionary<string, double>>? _validate;
    private readonly MeteredCommunicator _communicator;
    private readonly float[] _collective = new float[1];

    /// <param name="model">The model to train in place: freshly initialised, or loaded for fine-tuning. A resumed run overwrites its weights with the checkpoint's.</param>
    /// <param name="loader">The training batches; its seed and batch size are part of the run.</param>
    /// <param name="tokenizer">The tokenizer files every checkpoint carries.</param>
    /// <param name="preprocess">The image preprocessing every checkpoint records.</param>
    /// <param name="options">Steps, schedule, checkpoints, output folder.</param>
    /// <param name="validate">Metrics (names to values in [0, 1]) of the model on validation data; run every <see cref="TrainingRunOptions.EvalEvery"/> steps.</param>
    /// <param name="communicator">The job this process is one rank of; null: a single process. The loader must read this rank's shard.</param>
    public TrainingRun(
        ClipModel model,
        ClipDataLoader loader,
        TokenizerFiles tokenizer,
        PreprocessSettings preprocess,
        TrainingRunOptions options,
        Func<ClipModel, IReadOnlyDictionary<string, double>>? validate = null,
        ICommunicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(preprocess);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (loader.Resolution != model.Config.ImageResolution || loader.Options.ContextLength != model.Config.ContextLength)
        {
            throw new ArgumentException(
                $"the data loader makes {loader.Resolution} px images and {loader.Options.ContextLength}-token rows, but the model takes "
                + $"{model.Config.ImageResolution} px and {model.Config.ContextLength} tokens.",
                nameof(loader));
        }

        // Metered, so that every step reports the time its collectives took; a caller's meter is kept as it is.
        ICommunicator job = communicator ?? SingleProcessCommunicator.Instance;
        _communicator = job as MeteredCommunicator ?? MeteredCommunicator.Create(job);
        if (loader.Options.Shard != BatchShard.Of(_communicator))
        {
            throw new ArgumentException(
                $"the data loader reads shard {loader.Options.Shard.Rank} of {loader.Options.Shard.Size}, but this process is rank {_communicator.Rank} of {_communicator.Size}.",
                nameof(loader));
        }

        _model = model;
        _loader = loader;
        _tokenizer = tokenizer;
        _preprocess = preprocess;
        _validate = validate;
        Options = options;
        Trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions
        {
            Schedule = new CosineSchedule(options.LearningRate, options.WarmupSteps, options.Steps),
            Optimizer = new AdamWOptions { WeightDecay = options.WeightDecay },
            MaxGradNorm = options.MaxGradNorm,
            Lock = options.Lock,
            ChunkSize = options.ChunkSize,
            ShardOptimizer = options.ShardOptimizer,
        }, _communicator);
    }

    public TrainingRunOptions Options { get; }

    public ContrastiveTrainer Trainer { get; }

    public string CheckpointsFolder => Path.Combine(Options.OutputDirectory, CheckpointsFolderName);

    public string PlotsFolder => Path.Combine(Options.OutputDirectory, PlotsFolderName);

    public string LogPath => Path.Combine(Options.OutputDirectory, LogFileName);

    /// <summary>Trains to <see cref="TrainingRunOptions.Steps"/> (or resumes and finishes) and writes the final checkpoint.</summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the last good checkpoint is kept.</exception>
    public TrainingRunResult Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long start = 0;
        DataPosition position = DataPosition.Start;
        long samplesSeen = 0;
        float lastLoss = float.NaN;
        string? lastCheckpoint = null;
        TrainingLog? log = null;
        if (!IsRoot)
        {
            // Rank 0 has checked and prepared the folder by the time the barrier lets the others read it.
            _communicator.Barrier();
            if (Options.Resume)
            {
                lastCheckpoint = RunCheckpoint.List(CheckpointsFolder)[^1];
                RunCheckpointState state = Restore(lastCheckpoint);
                (start, position, samplesSeen, lastLoss) = (state.Step, state.Position, state.SamplesSeen, state.Loss);
            }
        }
        else if (Options.Resume)
        {
            CheckRunFile();
            lastCheckpoint = RunCheckpoint.List(CheckpointsFolder).LastOrDefault()
                ?? throw new InvalidDataException($"{Options.OutputDirectory}: nothing to resume: no checkpoint under {CheckpointsFolderName}/.");
            RunCheckpointState state = Restore(lastCheckpoint);
            (start, position, samplesSeen, lastLoss) = (state.Step, state.Position, state.SamplesSeen, state.Loss);
            log = TrainingLog.Resume(LogPath, start);
        }
        else
        {
            if (RunCheckpoint.List(CheckpointsFolder).Count > 0)
            {
                throw new IOException($"{Options.OutputDirectory}: holds checkpoints of an earlier run; resume it, or choose another output folder.");
            }

            Directory.CreateDirectory(Options.OutputDirectory);
            AtomicFile.Write(Path.Combine(Options.OutputDirectory, RunFileName), WriteRunFile, overwrite: true);
            log = TrainingLog.Create(LogPath);
        }

        if (IsRoot && _communicator.Size > 1)
        {
            _communicator.Barrier();
        }

        using (log)
        {
            return Train(log, start, position, samplesSeen, lastLoss, lastCheckpoint, progress, cancellationToken);
        }
    }

    private bool IsRoot => _communicator.Rank == 0;

    private TrainingRunResult Train(
        TrainingLog? log, long start, DataPosition position, long samplesSeen, float lastLoss, string? lastCheckpoint,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        long total = Options.Steps;
        IReadOnlyDictionary<string, double>? lastEval = log is { Eval.Count: > 0 } ? log.Eval[^1].Metrics : null;
        var clock = Stopwatch.StartNew();
        double trainSeconds = 0;
        long samplesHere = 0;
        CommunicationTotals communication = default;
        var recent = new Queue<(double Seconds, int Samples)>();
        double recentSeconds = 0;
        int recentSamples = 0;
        long step = start;
        if (step < total)
        {
            foreach (ClipBatch batch in _loader.Read(position, cancellationToken: cancellationToken))
            {
                position = batch.Next;
                int count = GlobalCount(batch.Count);
                if (count == 0)
                {
                    // Every sample of this batch was bad: nothing to learn from, the position still moves on.
                    continue;
                }

                long begin = Stopwatch.GetTimestamp();
                CommunicationTotals before = _communicator.Totals;
                TrainingStepResult result;
                try
                {
                    result = Trainer.Step(batch.Images, batch.Tokens);
                }
                catch (TrainingDivergedException e)
                {
                    throw Diverged(e, step, lastCheckpoint);
                }

                double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
                CommunicationTotals stepCommunication = _communicator.Totals - before;
                communication += stepCommunication;
                trainSeconds += seconds;
                samplesHere += count;
                samplesSeen += count;
                step++;
                lastLoss = result.Loss;
                recent.Enqueue((seconds, count));
                recentSeconds += seconds;
                recentSamples += count;
                if (recent.Count > 20)
                {
                    var (s, n) = recent.Dequeue();
                    recentSeconds -= s;
                    recentSamples -= n;
                }

                double speed = recentSamples / Math.Max(recentSeconds, 1e-9);
                if (step == start + 1 || step == total || step % Options.LogEvery == 0)
                {
                    log?.WriteTrain(new TrainRecord(
                        step, batch.Position.Epoch, result.Loss, result.LearningRate, result.GradientNorm, _model.LogitScale, speed)
                    {
                        // Timings only where they say something a run's speed does not: how a step splits into
                        // compute and communication. One process's log stays a function of its settings but for the speed.
                        StepSeconds = _communicator.Size > 1 ? seconds : null,
                        Communication = _communicator.Size > 1 ? stepCommunication : null,
                    });
                }

                TimeSpan? remaining = step > start ? clock.Elapsed / (step - start) * (total - step) : null;
                progress?.Report(new TrainingProgress(step, total, result.Loss, result.LearningRate, speed, remaining));

                bool last = step >= total || (Options.TimeLimit is TimeSpan limit && RootDecides(clock.Elapsed >= limit));
                if (log is not null && _validate is not null && (last || (Options.EvalEvery > 0 && step % Options.EvalEvery == 0)))
                {
                    lastEval = _validate(_model);
                    log.WriteEval(new EvalRecord(step, lastEval));
                }

                if (last || (Options.CheckpointEvery > 0 && step % Options.CheckpointEvery == 0))
                {
                    // With sharded moments every rank takes part in writing them (rank 0 receives them bucket by bucket).
                    if (log is null)
                    {
                        if (Trainer.IsOptimizerSharded)
                        {
                            Trainer.WriteOptimizerMoment("exp_avg", null);
                            Trainer.WriteOptimizerMoment("exp_avg_sq", null);
                        }

                        lastCheckpoint = Path.Combine(CheckpointsFolder, RunCheckpoint.FolderName(step));
                    }
                    else
                    {
                        lastCheckpoint = RunCheckpoint.Write(
                            CheckpointsFolder, _model, Trainer.WriteOptimizerMoment, new RunCheckpointState(step, position, _loader.Options.Seed, lastLoss, samplesSeen),
                            _tokenizer, _preprocess);
                        Prune();
                        RunPlots.Write(log, PlotsFolder);
                    }
                }

                if (last)
                {
                    break;
                }
            }
        }

        if (log is not null)
        {
            RunPlots.Write(log, PlotsFolder);
        }

        return new TrainingRunResult(
            lastCheckpoint ?? throw new InvalidOperationException("the run ended without a checkpoint."),
            start, step, lastLoss, samplesHere / Math.Max(trainSeconds, 1e-9), trainSeconds, lastEval, _loader.BadSamples.Samples)
        {
            Communication = communication,
        };
    }

    // The samples of the global batch that loaded, summed over the ranks.
    private int GlobalCount(int local)
    {
        if (_communicator.Size == 1)
        {
            return local;
        }

        _collective[0] = local;
        _communicator.AllReduceSum(_collective);
        return (int)_collective[0];
    }

    // A decision every rank must take alike (a wall clock differs between them): rank 0's.
    private bool RootDecides(bool decision)
    {
        if (_communicator.Size == 1)
        {
            return decision;
        }

        _collective[0] = decision ? 1f : 0f;
        _communicator.Broadcast(_collective, 0);
        return _collective[0] != 0;
    }

    // A checkpoint written after the last finite step holds the very weights whose loss was not finite; the last good
    // one is the newest written before that.
    private TrainingDivergedException Diverged(TrainingDivergedException e, long step, string? lastCheckpoint)
    {
        string reason = e.Message;
        string? good = RunCheckpoint.List(CheckpointsFolder).LastOrDefault(c => RunCheckpoint.ReadState(c).Step < step);
        string kept = good is null
            ? "no checkpoint from before the divergence is left"
            : $"the last good checkpoint is {good} (step {RunCheckpoint.ReadState(good).Step})";
        if (lastCheckpoint is not null && lastCheckpoint != good)
        {
            kept += $"; {lastCheckpoint} holds the weights that diverged";
        }

        return new TrainingDivergedException(
            $"training stopped at step {step + 1}: {reason} {kept}. Lower the learning rate or clip the gradient norm, then restart or resume.", step + 1, good);
    }

    private RunCheckpointState Restore(string checkpoint)
    {
        RunCheckpointState state = RunCheckpoint.ReadState(checkpoint);
        if (state.DataSeed != _loader.Options.Seed)
        {
            throw new InvalidDataException($"{checkpoint}: was written with data seed {state.DataSeed}, but this run's seed is {_loader.Options.Seed}.");
        }

        ClipCheckpoint saved = ModelFolder.Load(checkpoint);
        if (!saved.Config.Equals(_model.Config))
        {
            throw new InvalidDataException($"{checkpoint}: the checkpoint's architecture differs from the model being trained.");
        }

        foreach (var (name, tensor) in _model.StateDict())
        {
            if (!saved.StateDict.TryGetValue(name, out Tensor? value) || value.Length != tensor.Length)
            {
                throw new InvalidDataException($"{checkpoint}: '{name}' is missing or has another shape.");
            }

            value.Span.CopyTo(tensor.Span);
        }

        RunCheckpoint.RestoreOptimizer(checkpoint, Trainer.Optimizer, state.Step);
        return state;
    }

    private void Prune()
    {
        IReadOnlyList<string> all = RunCheckpoint.List(CheckpointsFolder);
        foreach (string old in all.Take(Math.Max(0, all.Count - Options.KeepCheckpoints)))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    private void WriteRunFile(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        foreach (var (key, value) in RunFields())
        {
            json.WriteString(key, value);
        }

        // Not a field a resume checks: the same global batch over another number of ranks gives the same steps.
        json.WriteNumber("world_size", _communicator.Size);
        json.WriteStartObject("model");
        foreach (var (key, value) in ClipArchitecture.ToHints(_model.Config))
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void CheckRunFile()
    {
        string path = Path.Combine(Options.OutputDirectory, RunFileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{Options.OutputDirectory}: nothing to resume: no {RunFileName}.");
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var (key, value) in RunFields())
        {
            string? saved = doc.RootElement.TryGetProperty(key, out JsonElement e) ? e.GetString() : null;
            if (saved != value)
            {
                throw new InvalidDataException(
                    $"{path}: the run was started with {key} = {saved ?? "(none)"}, but the resumed run has {value}; an exact resume needs the same settings.");
            }
        }
    }

    // Everything that decides the numbers of the steps; a resume must not change any of it.
    private IEnumerable<(string Key, string Value)> RunFields()
    {
        static string S(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        yield return ("steps", Options.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("learning_rate", S(Options.LearningRate));
        yield return ("warmup_steps", Options.WarmupSteps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("weight_decay", S(Options.WeightDecay));
        yield return ("max_grad_norm", Options.MaxGradNorm is double m ? S(m) : "none");
        yield return ("lock", Options.Lock.ToString());
        yield return ("chunk_size", Options.ChunkSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
        yield return ("batch_size", _loader.Options.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("data_seed", _loader.Options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("samples", _loader.SampleCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

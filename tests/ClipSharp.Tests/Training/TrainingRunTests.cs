using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Text;
using ClipSharp.Training;

namespace ClipSharp.Tests.Training;

public sealed class TrainingRunTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-run-");
    private readonly ClipTokenizer _tokenizer = ClipTokenizer.Create(Fixtures.TinyVocab);

    public void Dispose() => _temp.Delete(recursive: true);

    private ClipConfig Config => new(32, 48, [1], 64, 16, 12, _tokenizer.VocabularySize, 64, 1, 1);

    private TrainingRun Run(
        string folder, long steps, bool resume = false, double lr = 1e-3, long checkpointEvery = 2, ClipModel? model = null, TimeSpan? timeLimit = null)
    {
        var loader = new ClipDataLoader(
            SyntheticCorpus.TrainingDataset(seed: 3, count: 40), _tokenizer, new RandomResizedCrop(48),
            new DataLoaderOptions { BatchSize = 8, Seed = 5, DropLast = true, ContextLength = 12, Workers = 1 });
        return new TrainingRun(
            model ?? ClipModel.Create(Config, seed: 1), loader, TokenizerFiles.OpenAi(Fixtures.TinyVocab), PreprocessSettings.ForResolution(48),
            new TrainingRunOptions
            {
                OutputDirectory = Path.Combine(_temp.FullName, folder),
                Steps = steps,
                LearningRate = lr,
                WarmupSteps = 1,
                CheckpointEvery = checkpointEvery,
                Resume = resume,
                TimeLimit = timeLimit,
            });
    }

    [Fact]
    public void AnInterruptedRunResumesToExactlyTheSameSteps()
    {
        TrainingRunResult straight = Run("straight", 7).Run(null, TestContext.Current.CancellationToken);

        using var stop = new CancellationTokenSource();
        var progress = new StopAt(4, stop);
        Assert.ThrowsAny<OperationCanceledException>(() => Run("interrupted", 7).Run(progress, stop.Token));
        TrainingRunResult resumed = Run("interrupted", 7, resume: true).Run(null, TestContext.Current.CancellationToken);

        Assert.Equal(4, resumed.StartStep);
        Assert.Equal(straight.LastLoss, resumed.LastLoss);
        TrainingLog.Resume(Path.Combine(_temp.FullName, "straight", TrainingRun.LogFileName), 7).Dispose();
        string[] a = Strip(File.ReadAllLines(Path.Combine(_temp.FullName, "straight", TrainingRun.LogFileName)));
        string[] b = Strip(File.ReadAllLines(Path.Combine(_temp.FullName, "interrupted", TrainingRun.LogFileName)));
        Assert.Equal(a, b);

        // Both final checkpoints hold the same weights and optimizer moments, bit for bit.
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight.FinalCheckpoint, RunCheckpoint.WeightsFileName)),
            File.ReadAllBytes(Path.Combine(resumed.FinalCheckpoint, RunCheckpoint.WeightsFileName)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight.FinalCheckpoint, RunCheckpoint.OptimizerFileName)),
            File.ReadAllBytes(Path.Combine(resumed.FinalCheckpoint, RunCheckpoint.OptimizerFileName)));
    }

    [Fact]
    public void ACheckpointIsAModelFolderWithTheTrainerState()
    {
        TrainingRunResult result = Run("ck", 3, checkpointEvery: 0).Run(null, TestContext.Current.CancellationToken);
        Assert.EndsWith(RunCheckpoint.FolderName(3), result.FinalCheckpoint, StringComparison.Ordinal);
        RunCheckpointState state = RunCheckpoint.ReadState(result.FinalCheckpoint);
        Assert.Equal(3, state.Step);
        Assert.Equal(new DataPosition(0, 3), state.Position);
        Assert.Equal(5, state.DataSeed);
        Assert.Equal(24, state.SamplesSeen);

        Clip clip = Clip.Load(result.FinalCheckpoint, null, TestContext.Current.CancellationToken);
        Assert.Equal(Config, clip.Model.Config);
        Assert.Equal(32, clip.EncodeTexts(["a red circle"]).Dim(1));
        Assert.Single(RunCheckpoint.List(Path.Combine(_temp.FullName, "ck", TrainingRun.CheckpointsFolderName)));
        Assert.True(File.Exists(Path.Combine(_temp.FullName, "ck", TrainingRun.PlotsFolderName, "loss.png")));
    }

    [Fact]
    public void OnlyTheNewestCheckpointsAreKept()
    {
        Run("keep", 6, checkpointEvery: 1).Run(null, TestContext.Current.CancellationToken);
        IReadOnlyList<string> left = RunCheckpoint.List(Path.Combine(_temp.FullName, "keep", TrainingRun.CheckpointsFolderName));
        Assert.Equal([RunCheckpoint.FolderName(5), RunCheckpoint.FolderName(6)], left.Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_temp.FullName, "keep", TrainingRun.CheckpointsFolderName), ".*"));
    }

    [Fact]
    public void ANonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint()
    {
        ClipModel model = ClipModel.Create(Config, seed: 1);
        TrainingRun run = Run("nan", 10, checkpointEvery: 2, model: model);
        // After step 3 (no checkpoint there) a weight overflows, so step 4's loss cannot be finite.
        var poison = new AtStep(3, () => model.Parameters["text_projection"].Span.Fill(float.MaxValue));
        TrainingDivergedException e = Assert.Throws<TrainingDivergedException>(() => run.Run(poison, TestContext.Current.CancellationToken));
        Assert.Equal(4, e.Step);
        Assert.Contains("training stopped at step 4", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(RunCheckpoint.FolderName(2), e.LastCheckpoint, StringComparison.Ordinal);
        Assert.Contains("last good checkpoint", e.Message, StringComparison.Ordinal);
        IReadOnlyList<string> left = RunCheckpoint.List(Path.Combine(_temp.FullName, "nan", TrainingRun.CheckpointsFolderName));
        Assert.Equal(RunCheckpoint.FolderName(2), Path.GetFileName(Assert.Single(left)));
        Assert.All(AllParameters(Clip.Load(e.LastCheckpoint!, null, TestContext.Current.CancellationToken).Model), v => Assert.True(float.IsFinite(v)));
        Assert.True(float.IsFinite(Clip.Load(e.LastCheckpoint!, null, TestContext.Current.CancellationToken).EncodeTexts(["a red circle"]).Span[0]));
    }

    [Fact]
    public void ATimeLimitEndsTheRunAfterTheCurrentStepWithAFinalCheckpoint()
    {
        TrainingRunResult result = Run("limit", 50, timeLimit: TimeSpan.Zero).Run(null, TestContext.Current.CancellationToken);
        Assert.Equal(1, result.Steps);
        Assert.Equal(1, RunCheckpoint.ReadState(result.FinalCheckpoint).Step);
    }

    [Fact]
    public void AFineTuneStartsFromTheGivenWeights()
    {
        ClipModel model = ClipModel.Create(Config, seed: 9);
        float[] before = [.. model.Parameters.Data];
        TrainingRunResult result = Run("fine", 1, lr: 0, model: model).Run(null, TestContext.Current.CancellationToken);
        // Learning rate 0 (and so no decay): the checkpoint holds the starting weights.
        Assert.Equal(before, AllParameters(Clip.Load(result.FinalCheckpoint, null, TestContext.Current.CancellationToken).Model));
    }

    // Every parameter's values in layout order, packed ones included (an inference model keeps its matrix weights packed).
    private static float[] AllParameters(ClipModel model)
    {
        IReadOnlyDictionary<string, Tensor> values = model.StateDict();
        return [.. model.Parameters.Layout.Entries.SelectMany(p => values[p.Name].ToArray())];
    }

    private static string[] Strip(string[] lines) =>
        [.. lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"samples_per_s\":[0-9.eE+-]+", string.Empty))];

    private sealed class AtStep(long step, Action action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == step)
            {
                action();
            }
        }
    }

    private sealed class StopAt(long step, CancellationTokenSource stop) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == step)
            {
                stop.Cancel();
            }
        }
    }
}

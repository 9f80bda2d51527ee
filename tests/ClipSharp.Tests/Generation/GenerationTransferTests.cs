using System.Diagnostics;
using ClipSharp.Checkpoints;
using ClipSharp.Data.Synthetic;
using ClipSharp.Evaluation;
using ClipSharp.Generation;
using ClipSharp.Training.Demo;

namespace ClipSharp.Tests.Generation;

/// <summary>
/// The honest test of guided synthesis: two tiny demo models trained with different seeds; images made with the
/// first for colour×shape prompts must have their colour named by the second well above chance and above the
/// raw-pixel baseline, which fools only the model that made it.
/// </summary>
public sealed class GenerationTransferTests
{
    [Fact]
    public void GuidedImagesTransferToAnotherModelAndRawPixelsDoNot()
    {
        string root = Path.Combine(Path.GetTempPath(), "clipsharp-generate-" + Guid.NewGuid().ToString("N"));
        var clock = Stopwatch.StartNew();
        try
        {
            Clip a = TrainTiny(Path.Combine(root, "a"), seed: 1);
            Clip b = TrainTiny(Path.Combine(root, "b"), seed: 2);
            double trained = clock.Elapsed.TotalSeconds;
            var options = new GeneratorOptions
            {
                Steps = 60,
                Seed = 3,
                LearningRate = 0.05,
                Parametrization = ImageParametrization.Pyramid,
                Augment = true,
                Views = 6,
                MinCropScale = 0.5,
                Noise = 0.03f,
                TotalVariation = 1f,
            };
            // Every colour twice, with shapes spread over all six.
            var combinations = new List<(int Color, SynthShape Shape)>();
            for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
            {
                combinations.Add((c, SynthVocabulary.Shapes[c % 6]));
                combinations.Add((c, SynthVocabulary.Shapes[(c + 3) % 6]));
            }

            IReadOnlyList<GenerationTransferScores> rows = GenerationTransferEvaluator.Evaluate(
                a, b, options, combinations, cancellation: TestContext.Current.CancellationToken);
            GenerationTransferScores guided = rows[0], raw = rows[1];
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"trained in {trained:F0} s, whole test {clock.Elapsed.TotalSeconds:F0} s; guided {guided}; raw {raw}");

            Assert.Equal(GenerationTransferEvaluator.Guided, guided.Method);
            Assert.Equal(GenerationTransferEvaluator.RawPixels, raw.Method);
            Assert.Equal(16, guided.Images);

            // Both fool the model that made them; only the guided images carry their colour over to the other model.
            Assert.True(guided.SelfColorAccuracy >= 0.9, $"the generating model names {guided.SelfColorAccuracy:P0} of its own colours");
            Assert.True(guided.ColorAccuracy >= 0.75, $"guided colour transfer {guided.ColorAccuracy:P0} (chance {GenerationTransferScores.ColorChance:P0})");
            Assert.True(
                guided.ColorAccuracy >= raw.ColorAccuracy + 0.15,
                $"guided colour transfer {guided.ColorAccuracy:P0} vs raw pixels {raw.ColorAccuracy:P0}");
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    // Every field set: the demo's defaults are its own and may change.
    private static Clip TrainTiny(string folder, long seed)
    {
        SyntheticDemoReport report = SyntheticDemo.Run(new SyntheticDemoOptions
        {
            OutputDirectory = folder,
            Seed = seed,
            TimeBudget = TimeSpan.FromMinutes(5),
            Steps = 200,
            TrainCount = 2048,
            EvalPerClass = 1,
            BatchSize = 64,
            LearningRate = 1e-3,
            WarmupFraction = 0.05,
            ImageSize = 48,
            PatchSize = 8,
            Width = 64,
            Layers = 2,
            TextLayers = 2,
            Heads = 1,
            SingleObjectShare = 0.5,
            ContextLength = 20,
            EvalEvery = 0,
        });
        return Clip.FromCheckpoint(ModelFolder.Load(report.ModelFolder));
    }
}

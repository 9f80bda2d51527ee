using ClipSharp.Checkpoints;
using ClipSharp.Layers;
using ClipSharp.Models;
using ClipSharp.Testing;
using ClipSharp.Tests.Models;
using ClipSharp.Training;

namespace ClipSharp.Tests.Training;

/// <summary>One training step of the tiny reference models against PyTorch: loss, gradients, AdamW, BatchNorm statistics, 4 steps.</summary>
public sealed class GoldenTrainingTests(ITestOutputHelper output)
{
    private const double LearningRate = 5e-4;

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void LossAndGradientsMatchReference(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        var trainer = new ContrastiveTrainer(model);
        ContrastiveLossResult result = trainer.ComputeGradients(golden.Images, golden.Texts);

        using var grads = SafeTensorsFile.Open(Path(name, "grads.safetensors"));
        using var grads64 = SafeTensorsFile.Open(Path(name, "grads_f64.safetensors"));
        double lossError = Math.Abs(result.Loss - grads.ReadTensor("loss").Span[0]);
        double lossError64 = Math.Abs(result.Loss - grads64.ReadFloat64("loss")[0]);
        output.WriteLine($"{name} loss {result.Loss:R}: |Δ| vs f32 {lossError:E2}, vs f64 {lossError64:E2}");
        Assert.True(lossError < 1e-5, $"loss {result.Loss} differs from the reference by {lossError}");

        double worst32 = 0;
        double worst64 = 0;
        string worstName = "";
        foreach (Parameter p in model.Parameters.Layout.Entries)
        {
            ReadOnlySpan<float> mine = trainer.Gradients.View(p).Span;
            float[] expected = grads.ReadTensor("grad." + p.Name).ToArray();
            double[] expected64 = grads64.ReadFloat64("grad." + p.Name);
            Assert.Equal(expected.Length, mine.Length);
            for (int i = 0; i < mine.Length; i++)
            {
                double d32 = Math.Abs(mine[i] - expected[i]);
                double d64 = Math.Abs(mine[i] - expected64[i]);
                if (d64 > worst64)
                {
                    worst64 = d64;
                    worstName = p.Name;
                }

                worst32 = Math.Max(worst32, d32);
                Assert.True(
                    d64 <= 2e-5 + (1e-4 * Math.Abs(expected64[i])),
                    $"{p.Name}[{i}]: {mine[i]} vs reference {expected64[i]} (f32 {expected[i]})");
            }
        }

        output.WriteLine($"{name} grads: max |Δ| vs f32 {worst32:E2}, vs f64 {worst64:E2} ({worstName})");

        // Token-embedding rows of ids absent from the batch get exactly nothing.
        var used = new HashSet<int>(golden.Texts);
        ReadOnlySpan<float> tokenGrad = trainer.Gradients["token_embedding.weight"].Span;
        int width = model.Config.TransformerWidth;
        for (int id = 0; id < model.Config.VocabSize; id++)
        {
            if (!used.Contains(id))
            {
                Assert.True(tokenGrad.Slice(id * width, width).IndexOfAnyExcept(0f) < 0, $"unused token id {id} got a gradient");
            }
        }
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void AdamWOnStoredGradientsMatchesReference(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        using var grads = SafeTensorsFile.Open(Path(name, "grads.safetensors"));
        var stored = new float[model.Parameters.Layout.Count];
        foreach (Parameter p in model.Parameters.Layout.Entries)
        {
            grads.ReadTensor("grad." + p.Name).Span.CopyTo(stored.AsSpan(checked((int)p.Offset), p.Length));
        }

        var adamw = new AdamW(model.Parameters.Layout);
        Assert.Equal(name == "vit_tiny" ? 22 : 35, adamw.Groups[0].Parameters.Count);
        Assert.Equal(name == "vit_tiny" ? 40 : 61, adamw.Groups[1].Parameters.Count);
        adamw.Step(model.Parameters.Data, stored, LearningRate);

        double worst = CompareParameters(name, model, 1e-6);
        output.WriteLine($"{name} AdamW on the stored gradients: max |Δ| {worst:E2}");
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void OneFullStepMatchesReference(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        var trainer = new ContrastiveTrainer(model);
        trainer.Step(golden.Images, golden.Texts);

        double worst = CompareParameters(name, model, 3e-4);
        output.WriteLine($"{name} one full step: max |Δ| {worst:E2}");

        using var after = SafeTensorsFile.Open(Path(name, "after_adamw_step.safetensors"));
        double worstStat = 0;
        foreach (Parameter b in model.Buffers.Layout.Entries)
        {
            float[] expected = after.ReadTensor(b.Name).ToArray();
            ReadOnlySpan<float> mine = b.Value.Span;
            for (int i = 0; i < mine.Length; i++)
            {
                worstStat = Math.Max(worstStat, Math.Abs(mine[i] - expected[i]));
            }
        }

        output.WriteLine($"{name} BatchNorm running stats: max |Δ| {worstStat:E2} over {model.Buffers.Layout.Entries.Count} tensors");
        Assert.True(worstStat < 1e-5, $"running statistics differ by {worstStat}");
        if (model.Visual is ModifiedResNet resnet)
        {
            Assert.Equal(1, resnet.Bn1.NumBatchesTracked);
            Assert.Equal(1, after.ReadInt32("visual.bn1.num_batches_tracked")[0]);
        }
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void FourStepTrajectoryMatchesReference(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        var trainer = new ContrastiveTrainer(model);
        using var trajectory = SafeTensorsFile.Open(Path(name, "trajectory.safetensors"));
        float[] expected = trajectory.ReadTensor("loss_per_step").ToArray();
        double worst = 0;
        var losses = new List<float>();
        for (int k = 0; k < expected.Length; k++)
        {
            TrainingStepResult step = trainer.Step(golden.Images, golden.Texts);
            losses.Add(step.Loss);
            worst = Math.Max(worst, Math.Abs(step.Loss - expected[k]));
        }

        output.WriteLine($"{name} losses {string.Join(", ", losses)}: max |Δ| {worst:E2}; logit_scale {model.LogitScale}");
        Assert.True(worst < 1e-4, $"loss trajectory differs by {worst}: {string.Join(", ", losses)} vs {string.Join(", ", expected)}");
    }

    private static double CompareParameters(string name, ClipModel model, double tolerance)
    {
        using var after = SafeTensorsFile.Open(Path(name, "after_adamw_step.safetensors"));
        double worst = 0;
        foreach (Parameter p in model.Parameters.Layout.Entries)
        {
            float[] expected = after.ReadTensor(p.Name).ToArray();
            ReadOnlySpan<float> mine = p.Value.Span;
            for (int i = 0; i < mine.Length; i++)
            {
                double d = Math.Abs(mine[i] - expected[i]);
                worst = Math.Max(worst, d);
                Assert.True(d <= tolerance, $"{p.Name}[{i}]: {mine[i]} vs reference {expected[i]}");
            }
        }

        return worst;
    }

    private static string Path(string model, string file) => Fixtures.GoldenPath("training", model, file);
}

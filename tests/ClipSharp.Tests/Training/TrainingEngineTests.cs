using ClipSharp.Layers;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tests.Layers;
using ClipSharp.Tests.Models;
using ClipSharp.Training;

namespace ClipSharp.Tests.Training;

public sealed class TrainingEngineTests
{
    [Fact]
    public void ContrastiveLossGradientsMatchFiniteDifferences()
    {
        const int n = 3;
        const int e = 4;
        float[] image = LayerHarness.Random(n * e, 40);
        float[] text = LayerHarness.Random(n * e, 41);
        float[] scale = [1.7f];
        double Loss() => ContrastiveLoss.Compute(new Tensor(image, n, e), new Tensor(text, n, e), scale[0]).Loss;

        ContrastiveLossResult result = ContrastiveLoss.Compute(new Tensor(image, n, e), new Tensor(text, n, e), scale[0]);
        GradCheck.Check("dImage", image, result.ImageGradient.Span, Loss, samples: image.Length, step: 1e-3f, tolerance: 1e-2);
        GradCheck.Check("dText", text, result.TextGradient.Span, Loss, samples: text.Length, step: 1e-3f, tolerance: 1e-2);
        GradCheck.Check("dLogitScale", scale, [result.LogitScaleGradient], Loss, step: 1e-3f, tolerance: 1e-2);
    }

    [Fact]
    public void LossOfAPerfectMatchIsSmallAndSymmetric()
    {
        float[] identity = [1, 0, 0, 1];
        ContrastiveLossResult result = ContrastiveLoss.Compute(new Tensor(identity, 2, 2), new Tensor(identity, 2, 2), MathF.Log(100f));
        Assert.Equal(Math.Log(1 + Math.Exp(-100)), result.Loss, 1e-6);
        Assert.Throws<ArgumentException>(() => ContrastiveLoss.Compute(new Tensor(identity, 2, 2), new Tensor(new float[6], 3, 2), 0f));
    }

    [Fact]
    public void CosineScheduleWarmsUpLinearlyThenDecaysToZero()
    {
        var schedule = new CosineSchedule(1e-3, warmupSteps: 10, totalSteps: 110);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(9), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(0.5e-3, schedule.At(60), 12);
        Assert.Equal(0, schedule.At(110), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1e-3, 10, 5));
    }

    [Fact]
    public void ClippingScalesToTheMaximumNorm()
    {
        float[] g = [3, 4];
        double norm = GradientClipping.ClipByGlobalNorm(g, 1.0);
        Assert.Equal(5, norm, 6);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(g), 5);
        float[] small = [0.3f, 0.4f];
        GradientClipping.ClipByGlobalNorm(small, 1.0);
        Assert.Equal([0.3f, 0.4f], small);
    }

    [Fact]
    public void GradientCachingInQuarterChunksEqualsTheWholeBatch()
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        int batch = golden.Batch;
        Assert.Equal(0, batch % 4);
        var whole = new ContrastiveTrainer(golden.CreateModel());
        var chunked = new ContrastiveTrainer(golden.CreateModel(), new ContrastiveTrainerOptions { ChunkSize = batch / 4 });
        float loss = whole.ComputeGradients(golden.Images, golden.Texts).Loss;
        float chunkedLoss = chunked.ComputeGradients(golden.Images, golden.Texts).Loss;
        Assert.Equal(loss, chunkedLoss, 1e-6f);

        float[] a = whole.Gradients.Data;
        float[] b = chunked.Gradients.Data;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6 + (1e-4 * Math.Abs(a[i])), $"gradient element {i}: {a[i]} vs chunked {b[i]}");
        }
    }

    [Theory]
    [InlineData(TowerLock.Image)]
    [InlineData(TowerLock.Text)]
    public void ALockedTowerGetsNoGradientAndNoUpdate(TowerLock locked)
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        ClipModel model = golden.CreateModel();
        float[] before = model.Parameters.Data.ToArray();
        var trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions { Lock = locked });
        trainer.Step(golden.Images, golden.Texts);

        foreach (Parameter p in model.Parameters.Layout.Entries)
        {
            bool frozen = locked == TowerLock.Image ? ClipModel.IsImageParameter(p.Name) : ClipModel.IsTextParameter(p.Name);
            bool moved = !p.Value.Span.SequenceEqual(before.AsSpan(checked((int)p.Offset), p.Length));
            Assert.True(frozen != moved, $"{p.Name}: frozen {frozen}, moved {moved}");
            if (frozen)
            {
                Assert.True(trainer.Gradients.View(p).Span.IndexOfAnyExcept(0f) < 0, $"{p.Name} got a gradient");
            }
        }
    }

    [Fact]
    public void LogitScaleIsClampedAfterTheUpdate()
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        ClipModel model = golden.CreateModel();
        model.LogitScaleParameter.Value.Span[0] = 4.6f;
        var trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions { Schedule = new ConstantSchedule(0.5) });
        trainer.Step(golden.Images, golden.Texts);
        Assert.InRange(model.LogitScale, 0f, ContrastiveTrainer.MaxLogitScale);
    }

    [Fact]
    public void FreshResNetZeroInitialisesBn3AndStartsEveryBlockAsItsShortcut()
    {
        ClipModel model = ClipModel.Create(GoldenModel.Load("rn_tiny").Config, seed: 3);
        Assert.All(
            model.Parameters.Layout.Entries.Where(p => p.Name.EndsWith("bn3.weight", StringComparison.Ordinal) && p.Name.Contains("layer", StringComparison.Ordinal)),
            p => Assert.True(p.Value.Span.IndexOfAnyExcept(0f) < 0, p.Name));
        Assert.True(model.Parameters["visual.bn3.weight"].Span.IndexOfAnyExcept(1f) < 0);
    }

    [Fact]
    public void GradientCachingMovesResNetStatisticsOncePerChunk()
    {
        GoldenModel golden = GoldenModel.Load("rn_tiny");
        ClipModel model = golden.CreateModel();
        var trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions { ChunkSize = golden.Batch / 2 });
        float loss = trainer.ComputeGradients(golden.Images, golden.Texts).Loss;
        Assert.True(float.IsFinite(loss));
        var resnet = (ModifiedResNet)model.Visual;
        Assert.All(resnet.BatchNorms(), bn => Assert.Equal(2, bn.NumBatchesTracked));
        Assert.True(trainer.Gradients.Data.All(float.IsFinite));
    }
}

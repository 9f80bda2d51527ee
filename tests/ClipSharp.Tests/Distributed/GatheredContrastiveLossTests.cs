using ClipSharp.Distributed;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tests.Models;
using ClipSharp.Training;

namespace ClipSharp.Tests.Distributed;

/// <summary>
/// The global-batch loss spread over ranks (here threads) against one process's loss on the whole batch: the loss,
/// every row's feature gradients, the summed logit-scale gradient, and whole training steps of the golden ViT.
/// </summary>
public sealed class GatheredContrastiveLossTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, 8)]
    [InlineData(3, 7)]
    [InlineData(4, 5)]
    public void RanksTogetherComputeTheWholeBatchLoss(int ranks, int batch)
    {
        const int E = 24;
        var random = new Random(batch * 31 + ranks);
        float[] image = [.. Enumerable.Range(0, batch * E).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] text = [.. Enumerable.Range(0, batch * E).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        const float LogitScale = 2.3f;
        ContrastiveLossResult whole = ContrastiveLoss.Compute(new Tensor(image, batch, E), new Tensor(text, batch, E), LogitScale);

        var parts = ThreadGroup.Run(ranks, c =>
        {
            var shard = BatchShard.Of(c);
            int start = shard.Start(batch);
            int n = shard.Count(batch);
            var dImage = new float[n * E];
            var dText = new float[n * E];
            float loss = new GatheredContrastiveLoss(c).Compute(
                image.AsSpan(start * E, n * E), text.AsSpan(start * E, n * E), n, E, LogitScale, 0, dImage, dText, out float dScale);
            return (loss, dImage, dText, dScale);
        });

        foreach (var part in parts)
        {
            Assert.Equal(whole.Loss, part.loss, 1e-6f);
        }

        double worst = Math.Max(
            MaxDiff(whole.ImageGradient.Span, [.. parts.SelectMany(p => p.dImage)]),
            MaxDiff(whole.TextGradient.Span, [.. parts.SelectMany(p => p.dText)]));
        output.WriteLine($"{ranks} ranks, batch {batch}: loss {whole.Loss}, feature gradients max |Δ| {worst:E2}");
        Assert.True(worst < 1e-6, $"feature gradients differ by {worst}");
        Assert.Equal(whole.LogitScaleGradient, parts.Sum(p => p.dScale), 1e-6f);
    }

    [Fact]
    public void AnUnusableRowOnOneRankDivergesEveryRank()
    {
        const int E = 4;
        var results = ThreadGroup.Run(2, c =>
        {
            float[] image = [1, 2, 3, 4, 2, 1, 0, 1];
            float[] text = [1, 0, 0, 1, 0, 1, 1, 0];
            if (c.Rank == 1)
            {
                image[5] = float.NaN;
            }

            try
            {
                new GatheredContrastiveLoss(c).Compute(image, text, 2, E, 1f, 7, new float[8], new float[8], out _);
                return "";
            }
            catch (TrainingDivergedException e)
            {
                return e.Message;
            }
        });

        Assert.All(results, m => Assert.Contains("at step 7 on rank 1 of 2", m, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2, null)]
    [InlineData(3, 2)]
    [InlineData(5, null)] // 4 pairs over 5 ranks: rank 0's shard is empty and it still takes part
    public void TrainerStepsOnShardsMatchOneProcess(int ranks, int? chunk)
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        var options = new ContrastiveTrainerOptions { ChunkSize = chunk };
        ClipModel single = golden.CreateModel();
        var trainer = new ContrastiveTrainer(single, options);
        float[] expected = [.. Enumerable.Range(0, 2).Select(_ => trainer.Step(golden.Images, golden.Texts).Loss)];

        int batch = golden.Batch;
        int ctx = golden.Config.ContextLength;
        var results = ThreadGroup.Run(ranks, c =>
        {
            var shard = BatchShard.Of(c);
            ClipModel model = golden.CreateModel();
            var t = new ContrastiveTrainer(model, options, c);
            Tensor images = golden.Images.Slice(shard.Start(batch), shard.Count(batch));
            int[] tokens = golden.Texts.AsSpan(shard.Start(batch) * ctx, shard.Count(batch) * ctx).ToArray();
            float[] losses = [.. Enumerable.Range(0, 2).Select(_ => t.Step(images, tokens).Loss)];
            return (losses, model.Parameters.Data.ToArray());
        });

        foreach (var (losses, parameters) in results)
        {
            Assert.Equal(parameters, results[0].Item2);
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k], losses[k], 1e-5f);
            }
        }

        output.WriteLine($"{ranks} ranks: losses {string.Join(", ", results[0].losses)} vs {string.Join(", ", expected)}");
    }

    private static double MaxDiff(ReadOnlySpan<float> expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        return worst;
    }
}

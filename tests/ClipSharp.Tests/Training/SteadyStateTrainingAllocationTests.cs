using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tests.Models;
using ClipSharp.Training;

namespace ClipSharp.Tests.Training;

/// <summary>
/// After warm-up steps of the same shape, a training step (both towers forward into their workspaces, the loss,
/// both backward passes, clipping, AdamW) allocates nothing managed, whole-batch or gradient-cached, on a ViT and on
/// a ResNet, at one and two threads. Measured as SteadyStateAllocationTests measures inference: alone in the
/// process, the least of a few steps.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public sealed class SteadyStateTrainingAllocationTests(ITestOutputHelper output)
{
    // The bound SteadyStateAllocationTests gives an inference call: room for the thread pool's own rare bookkeeping,
    // far below one array of any activation here.
    private const long Bound = 256;

    // Steps before measuring: the JIT's tiering of the step's many methods settles within a few.
    private const int Warmup = 8;

    private static readonly ClipConfig s_vit = new(64, 32, [2], 64, 8, 16, 300, 64, 2, 2);
    private static readonly ClipConfig s_resNet = new(64, 64, [1, 1, 1, 1], 32, null, 16, 300, 64, 2, 1);

    public static TheoryData<bool, int?, int> Cases => new()
    {
        { false, null, 1 }, { false, null, 2 }, { false, 3, 2 }, { true, null, 1 }, { true, null, 2 }, { true, 3, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ATrainingStepAllocatesNothingInSteadyState(bool resNet, int? chunk, int threads)
    {
        ClipConfig config = resNet ? s_resNet : s_vit;
        ClipModel model = ClipModel.Create(config, seed: 11);
        const int batch = 6;
        int r = config.ImageResolution;
        var images = new Tensor(SteadyStateAllocationTests.RandomValues(batch * 3 * r * r, 12), batch, 3, r, r);
        int[] tokens = Tokens(config, batch, 13);
        var trainer = new ContrastiveTrainer(
            model, new ContrastiveTrainerOptions { Schedule = new ConstantSchedule(1e-4), ChunkSize = chunk, MaxGradNorm = 1.0 });

        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            for (int i = 0; i < Warmup; i++)
            {
                trainer.Step(images, tokens);
            }

            long least = long.MaxValue;
            for (int i = 0; i < 3; i++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                trainer.Step(images, tokens);
                least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
            }

            output.WriteLine($"{(resNet ? "ResNet" : "ViT")}, chunk {chunk?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, {threads} thread(s): {least} bytes allocated per step");
            Assert.InRange(least, 0, Bound);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    // Start token, random ids, end-of-text (the largest id) at a different position per row, zero padding.
    internal static int[] Tokens(ClipConfig config, int batch, int seed)
    {
        int ctx = config.ContextLength;
        var tokens = new int[batch * ctx];
        var random = new Random(seed);
        for (int b = 0; b < batch; b++)
        {
            int length = Math.Min(ctx, 3 + (2 * b));
            tokens[b * ctx] = config.VocabSize - 2;
            for (int t = 1; t < length - 1; t++)
            {
                tokens[(b * ctx) + t] = random.Next(1, config.VocabSize - 2);
            }

            tokens[(b * ctx) + length - 1] = config.VocabSize - 1;
        }

        return tokens;
    }
}

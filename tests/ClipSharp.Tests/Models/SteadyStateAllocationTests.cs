using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Models;

[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement;

/// <summary>
/// After a warm-up call of the same shape, an inference forward that writes into a caller's buffer allocates nothing
/// managed: every intermediate is rented and returned. GC.GetTotalAllocatedBytes counts the whole process (worker
/// threads included), so these tests run alone, and the least of a few calls is taken in case anything else in the
/// process allocated meanwhile.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public sealed class SteadyStateAllocationTests(ITestOutputHelper output)
{
    // What a call may allocate at most: nothing. Buffers are pooled and forked kernel bodies are structs, so a
    // steady-state call measures 0 bytes; the bound leaves room for the thread pool's own rare bookkeeping (a closure
    // per forked kernel would already cost more than this on every model here).
    private const long GoldenBound = 256;
    private const long WideBound = 256;

    // Realistic widths (ViT-B's 768, RN50's 64, the text tower's 512) with few layers and small images, so that GEMMs
    // and attention are large enough to be split over threads.
    private static readonly ClipConfig s_wideVit = new(512, 64, [2], 768, 16, 77, 1000, 512, 8, 2);
    private static readonly ClipConfig s_wideResNet = new(512, 64, [1, 1, 1, 1], 64, null, 77, 1000, 512, 8, 1);

    public static TheoryData<string, int> GoldenCases => new()
    {
        { "vit_tiny", 1 }, { "vit_tiny", 2 }, { "rn_tiny", 1 }, { "rn_tiny", 2 },
    };

    public static TheoryData<bool, int> WideCases => new() { { false, 1 }, { false, 2 }, { true, 1 }, { true, 2 } };

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void GoldenImageTowerAllocatesNothingInSteadyState(string name, int threads)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        AssertImageTowerAllocatesNothing(model, golden.Images, threads, GoldenBound, $"{name} image");
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void GoldenTextTowerAllocatesNothingInSteadyState(string name, int threads)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        AssertTextTowerAllocatesNothing(model, golden.Texts, golden.TextBatch, threads, GoldenBound, $"{name} text");
    }

    [Theory]
    [MemberData(nameof(WideCases))]
    public void WideTowersAllocateNothingInSteadyState(bool resNet, int threads)
    {
        ClipConfig config = resNet ? s_wideResNet : s_wideVit;
        ClipModel model = ClipModel.Create(config, seed: 3);
        int r = config.ImageResolution;
        var images = new Tensor(RandomValues(2 * 3 * r * r, seed: 4), 2, 3, r, r);
        AssertImageTowerAllocatesNothing(model, images, threads, WideBound, resNet ? "wide ResNet image" : "wide ViT image");

        const int batch = 3;
        int ctx = config.ContextLength;
        var tokens = new int[batch * ctx];
        var random = new Random(5);
        for (int b = 0; b < batch; b++)
        {
            // Start token, a few ids, end-of-text (the largest id) at a different position per row, zero padding.
            int length = 10 + (20 * b);
            tokens[b * ctx] = config.VocabSize - 2;
            for (int t = 1; t < length - 1; t++)
            {
                tokens[(b * ctx) + t] = random.Next(1, config.VocabSize - 2);
            }

            tokens[(b * ctx) + length - 1] = config.VocabSize - 1;
        }

        AssertTextTowerAllocatesNothing(model, tokens, batch, threads, WideBound, resNet ? "wide text (RN config)" : "wide text");
    }

    private void AssertImageTowerAllocatesNothing(ClipModel model, Tensor images, int threads, long bound, string what)
    {
        int batch = images.Dim(0);
        var destination = new float[batch * model.Config.EmbedDim];
        float[] expected = model.EncodeImage(images).ToArray();
        Action call = () => model.EncodeImage(images, destination);
        long bytes = Measure(call, threads);
        Assert.Equal(expected, destination);
        Report(what, threads, bytes);
        Assert.InRange(bytes, 0, bound);
    }

    private void AssertTextTowerAllocatesNothing(ClipModel model, int[] tokens, int batch, int threads, long bound, string what)
    {
        var destination = new float[batch * model.Config.EmbedDim];
        float[] expected = model.EncodeText(tokens, batch).ToArray();
        Action call = () => model.EncodeText(tokens, batch, destination);
        long bytes = Measure(call, threads);
        Assert.Equal(expected, destination);
        Report(what, threads, bytes);
        Assert.InRange(bytes, 0, bound);

        // The length-aware prefix run (what Clip.EncodeTexts uses) is as free of allocations.
        int used = TextTransformer.UsedLength(tokens, batch, model.Config.ContextLength);
        Action prefix = () => model.Text.ForwardPrefix(tokens, batch, used, destination);
        long prefixBytes = Measure(prefix, threads);
        Assert.Equal(expected, destination);
        Report(what + " prefix", threads, prefixBytes);
        Assert.InRange(prefixBytes, 0, bound);
    }

    // The least of three calls after eight warm-up calls, at the given thread count.
    private static long Measure(Action call, int threads)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;

            // Warm-up calls: the JIT's tiering of the forward's methods (tier-0 code may box) settles within a few.
            for (int i = 0; i < 8; i++)
            {
                call();
            }

            long least = long.MaxValue;
            for (int i = 0; i < 3; i++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                call();
                long after = GC.GetTotalAllocatedBytes(precise: true);
                least = Math.Min(least, after - before);
            }

            return least;
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private void Report(string what, int threads, long bytes)
        => output.WriteLine($"{what}, {threads} thread(s): {bytes} bytes allocated per call");

    internal static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}

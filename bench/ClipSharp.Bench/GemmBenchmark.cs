using ClipSharp.Checkpoints;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Bench;

/// <summary>
/// SGEMM throughput of <c>Gemm.Sgemm</c> against OpenBLAS on the same data in the same process,
/// for a square reference size and the CLIP ViT-B/32 and text-tower linear layers.
/// </summary>
internal static class GemmBenchmark
{
    // Precision set: the layer runs as the model runs it, through Gemm.SgemmPacked on a PackedWeight of that precision
    // (the panels are packed once at load); the OpenBLAS peer multiplies the same float32 values, packing per call.
    private sealed record Shape(string Group, string Name, bool TransA, bool TransB, int M, int N, int K, WeightPrecision? Precision = null);

    // Linear layers compute y = x · Wᵀ with W stored [out, in]: NT with A = x [rows, in], B = W [out, in].
    private static readonly Shape[] s_shapes =
    [
        new("square", "2048³ NN", false, false, 2048, 2048, 2048),
        new("vit", "ViT attn out 1600×768×768 NT", false, true, 1600, 768, 768),
        new("vit", "ViT qkv 1600×2304×768 NT", false, true, 1600, 2304, 768),
        new("vit", "ViT c_fc 1600×3072×768 NT", false, true, 1600, 3072, 768),
        new("vit", "ViT c_proj 1600×768×3072 NT", false, true, 1600, 768, 3072),
        new("text", "Text attn out 2464×512×512 NT", false, true, 2464, 512, 512),
        new("text", "Text qkv 2464×1536×512 NT", false, true, 2464, 1536, 512),
        new("text", "Text c_fc 2464×2048×512 NT", false, true, 2464, 2048, 512),
        new("text", "Text c_proj 2464×512×2048 NT", false, true, 2464, 512, 2048),
        .. PackedShapes(),
        .. TrainShapes(),
    ];

    // The linear layers of `bench train`'s step (width 256, MLP 1024; ViT 64 × 65 = 4160 rows, text 64 × 32 = 2048) in
    // the three products a training step runs: the forward y = x·Wᵀ (NT), the input gradient dx = dy·W (NN) and the
    // weight gradient dW = dyᵀ·x (TN, over the whole batch depth).
    private static IEnumerable<Shape> TrainShapes()
    {
        (string Layer, int Out, int In)[] layers = [("qkv", 768, 256), ("out", 256, 256), ("c_fc", 1024, 256), ("c_proj", 256, 1024)];
        foreach ((string tower, int rows) in (IEnumerable<(string, int)>)[("vit", 4160), ("text", 2048)])
        {
            foreach ((string layer, int o, int i) in layers)
            {
                yield return new("train", $"train {tower} {layer} fwd {rows}×{o}×{i} NT", false, true, rows, o, i);
                yield return new("train", $"train {tower} {layer} dx {rows}×{i}×{o} NN", false, false, rows, i, o);
                yield return new("train", $"train {tower} {layer} dW {o}×{i}×{rows} TN", true, false, o, i, rows);
            }
        }
    }

    // The ViT-B/32 layers at batch 1 (50 rows) and batch 32 (1600 rows) with pre-packed weights in each precision: the
    // batch-1 rows stream every weight once per image, so they show what encode_image batch 1 is bound by.
    private static IEnumerable<Shape> PackedShapes()
    {
        (string Layer, int N, int K)[] layers = [("qkv", 2304, 768), ("c_fc", 3072, 768), ("c_proj", 768, 3072)];
        foreach (int m in (int[])[50, 1600])
        {
            foreach ((string layer, int n, int k) in layers)
            {
                foreach (WeightPrecision precision in (WeightPrecision[])[WeightPrecision.Float32, WeightPrecision.Float16, WeightPrecision.Int8])
                {
                    string dtype = precision switch { WeightPrecision.Float32 => "f32", WeightPrecision.Float16 => "f16", _ => "int8" };
                    yield return new("packed", $"packed {dtype} {layer} {m}×{n}×{k}", false, true, m, n, k, precision);
                }
            }
        }
    }

    public static int Run(string[] args)
    {
        var options = KernelBenchOptions.Parse(args, "gemm", defaultReps: 7);
        int[] threadCounts = options.ThreadCounts;
        int reps = options.Reps;
        string group = options.Shapes;
        bool cpuClock = options.CpuClock;

        Machine.PrintHeader();
        OpenBlas? blas = OpenBlas.TryLoad(out string blasMessage);
        Console.WriteLine(blasMessage);
        Console.WriteLine($"Timing:     median of {reps} after warm-up; GFLOPS = 2·m·n·k / time; clock: {(cpuClock ? "process CPU time / threads" : "wall")}");
        Console.WriteLine();
        Console.WriteLine($"{"shape",-36} {"threads",7} {"ours GFLOPS",12} {"OpenBLAS",10} {"ratio",7}");
        Console.WriteLine(new string('-', 76));

        var rng = new Random(1);
        foreach (Shape shape in s_shapes.Where(s => Selected(s, group)))
        {
            float[] a = RandomMatrix(rng, shape.M * shape.K);
            float[] b = RandomMatrix(rng, shape.K * shape.N);
            float[] c = new float[shape.M * shape.N];
            PackedWeight? packed = shape.Precision is { } precision ? Pack(b, shape.N, shape.K, precision) : null;
            int lda = shape.TransA ? shape.M : shape.K;
            int ldb = shape.TransB ? shape.K : shape.N;
            double flops = 2.0 * shape.M * shape.N * shape.K;
            foreach (int threads in threadCounts)
            {
                Parallelism.MaxThreads = threads;
                Action call = packed is null
                    ? () => Gemm.Sgemm(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, 1f, a, lda, b, ldb, 0f, c, shape.N)
                    : () => Gemm.SgemmPacked(false, shape.M, 1f, a, lda, packed, 0f, c, shape.N);
                double ours = flops / Timing.MedianSeconds(call, reps, cpuClock, threads) / 1e9;
                string peer = "n/a", ratio = "n/a";
                if (blas is not null)
                {
                    blas.SetThreads(threads);
                    double theirs = flops / Timing.MedianSeconds(
                        () => blas.Sgemm(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, 1f, a, lda, b, ldb, 0f, c, shape.N),
                        reps, cpuClock, threads) / 1e9;
                    peer = theirs.ToString("F1");
                    ratio = (ours / theirs).ToString("F2");
                }

                Console.WriteLine($"{shape.Name,-36} {threads,7} {ours,12:F1} {peer,10} {ratio,7}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Load avg at end: {Machine.LoadAverage()}");
        return 0;
    }

    // A group name, "all" (every group but "packed" and "train"), or a comma-separated list of fragments of shape names (e.g. "c_fc,2048").
    private static bool Selected(Shape shape, string filter)
        => (filter == "all" && shape.Group is not ("packed" or "train")) || shape.Group == filter
            || filter.Split(',').Any(f => shape.Name.Contains(f, StringComparison.OrdinalIgnoreCase));

    // W [n = out, k = in] in the given precision; the OpenBLAS peer then gets the values the packed weight holds, so
    // both sides multiply the same numbers.
    private static PackedWeight Pack(float[] w, int n, int k, WeightPrecision precision)
    {
        switch (precision)
        {
            case WeightPrecision.Float16:
                Half[] half = new Half[w.Length];
                for (int i = 0; i < w.Length; i++)
                {
                    half[i] = (Half)w[i];
                    w[i] = (float)half[i];
                }

                return PackedWeight.FromFloat16(half, n, k);
            case WeightPrecision.Int8:
                // The converter's own quantiser, so the bench multiplies what `clip convert --dtype int8` writes.
                (sbyte[] q, float[] scales) = QuantizedWeights.QuantizeInt8("bench.weight", w, [n, k]);
                PackedWeight int8 = PackedWeight.FromInt8(q, scales, n, k);
                int8.Dequantize().CopyTo(w, 0);
                return int8;
            default:
                return PackedWeight.FromFloat32(w, n, k);
        }
    }

    private static float[] RandomMatrix(Random rng, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }
}

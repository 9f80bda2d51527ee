using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Bench;

/// <summary>
/// Throughput of the fused inference attention kernel <see cref="Attention.Forward(ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, int, int, int, int, int, bool)"/> on the shapes the CLIP towers
/// run it with: q, k and v read as column slices of one packed [B·T, 3W] buffer, as the attention layer does.
/// </summary>
internal static class AttentionBenchmark
{
    private sealed record Shape(string Name, int Batch, int Heads, int Tokens, int HeadDim, bool Causal)
    {
        // q·kᵀ and p·v, each 2·T·T·headDim per (batch, head); a causal row visits i + 1 keys, about half as many.
        public double Flops
        {
            get
            {
                double pairs = Causal ? Tokens * (Tokens + 1) / 2.0 : (double)Tokens * Tokens;
                return 4.0 * Batch * Heads * pairs * HeadDim;
            }
        }
    }

    private static readonly Shape[] s_shapes =
    [
        new("ViT-B/32 b1 T=50 12×64", 1, 12, 50, 64, false),
        new("ViT-B/32 b32 T=50 12×64", 32, 12, 50, 64, false),
        new("text b1 T=77 8×64 causal", 1, 8, 77, 64, true),
        new("text b32 T=77 8×64 causal", 32, 8, 77, 64, true),
        new("ViT-L/14 b8 T=257 16×64", 8, 16, 257, 64, false),
    ];

    public static int Run(string[] args)
    {
        var options = KernelBenchOptions.Parse(args, "attention", defaultReps: 15);
        int[] threadCounts = options.ThreadCounts;
        int reps = options.Reps;
        string filter = options.Shapes;
        bool cpuClock = options.CpuClock;

        Machine.PrintHeader();
        Console.WriteLine($"Timing:     median of {reps} after warm-up; GFLOPS = 4·B·H·(visible query-key pairs)·headDim / time; clock: {(cpuClock ? "process CPU time / threads" : "wall")}");
        Console.WriteLine();
        Console.WriteLine($"{"shape",-30} {"threads",7} {"ms/call",10} {"GFLOPS",8}");
        Console.WriteLine(new string('-', 58));

        var rng = new Random(1);
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (Shape shape in s_shapes.Where(s => Selected(s, filter)))
            {
                int w = shape.Heads * shape.HeadDim;
                int rows = shape.Batch * shape.Tokens;
                float[] qkv = RandomMatrix(rng, rows * 3 * w);
                float[] o = new float[rows * w];
                foreach (int threads in threadCounts)
                {
                    Parallelism.MaxThreads = threads;
                    double seconds = Timing.MedianSeconds(
                        () => Attention.Forward(
                            qkv, 3 * w, qkv.AsSpan(w), 3 * w, qkv.AsSpan(2 * w), 3 * w, o, w,
                            shape.Batch, shape.Heads, shape.Tokens, shape.Tokens, shape.HeadDim, shape.Causal),
                        reps, cpuClock, threads);
                    Console.WriteLine($"{shape.Name,-30} {threads,7} {seconds * 1e3,10:F3} {shape.Flops / seconds / 1e9,8:F1}");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        Console.WriteLine();
        Console.WriteLine($"Load avg at end: {Machine.LoadAverage()}");
        return 0;
    }

    // "all" or comma-separated fragments of shape names (e.g. "b32,L/14").
    private static bool Selected(Shape shape, string filter)
        => filter == "all" || filter.Split(',').Any(f => shape.Name.Contains(f, StringComparison.OrdinalIgnoreCase));

    // q and k in [-2, 2] give peaked but not one-hot softmax rows, as in trained towers.
    private static float[] RandomMatrix(Random rng, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        return values;
    }
}

using ClipSharp.Bench;

// Benchmarks are subcommands: `dotnet run -c Release --project bench/ClipSharp.Bench -- <name> [options]`.
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["gemm"] = GemmBenchmark.Run,
    ["attention"] = AttentionBenchmark.Run,
    ["clip"] = ClipBenchmark.Run,
    ["clip-worker"] = ClipWorker.Run,
    ["search"] = SearchBenchmark.Run,
    ["load"] = LoadBenchmark.Run,
    ["train"] = TrainBenchmark.Run,
    ["scale"] = ScaleBenchmark.Run,
    ["scale-worker"] = ScaleWorker.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out Func<string[], int>? run))
{
    Console.Error.WriteLine("usage: ClipSharp.Bench <benchmark> [options]");
    Console.Error.WriteLine($"benchmarks: {string.Join(", ", benchmarks.Keys)}");
    Console.Error.WriteLine("gemm options: --threads 1,2  --reps 7  --clock wall|cpu  --shapes all|square|vit|text|<name fragments, comma-separated>");
    Console.Error.WriteLine("attention options: --threads 1,2  --reps 15  --clock wall|cpu  --shapes all|<name fragments, comma-separated>");
    Console.Error.WriteLine("clip options: --threads N  --runs 3  --reps 5  --peers all|ort|pytorch|none  --python /usr/bin/python3  --artifacts DIR  --max-busy 0.1");
    Console.Error.WriteLine("search options: --count 1000000  --dim 512  --queries 1000  -k 10  --m 16  --ef-add 128  --ef 128  --oversample 4  --seed 42  --clusters 0 (uniform)");
    Console.Error.WriteLine("scale options: --ranks 2  --threads <cores>  --batch 64  --steps 7  --warmup 2  --images 256  --rounds 1  --mpirun PATH");
    Console.Error.WriteLine("load, train, scale: see bench/README.md");
    return args.Length == 0 ? 1 : 2;
}

try
{
    return run(args[1..]);
}
catch (ArgumentException e)
{
    // A mistyped option is the user's input, not a fault of the benchmark: say what is wrong, without a stack trace.
    Console.Error.WriteLine($"{args[0]}: {e.Message}");
    return 2;
}

using ClipSharp.Bench;

// Benchmarks are subcommands: `dotnet run -c Release --project bench/ClipSharp.Bench -- <name> [options]`.
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["gemm"] = GemmBenchmark.Run,
    ["train"] = TrainBenchmark.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out Func<string[], int>? run))
{
    Console.Error.WriteLine("usage: ClipSharp.Bench <benchmark> [options]");
    Console.Error.WriteLine($"benchmarks: {string.Join(", ", benchmarks.Keys)}");
    Console.Error.WriteLine("gemm options: --threads 1,2  --reps 7  --clock wall|cpu  --shapes all|square|vit|text|<name fragments, comma-separated>");
    return args.Length == 0 ? 1 : 2;
}

return run(args[1..]);

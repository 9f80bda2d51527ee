using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ClipSharp.Bench;

/// <summary>
/// Data-parallel scaling on this machine: the same training step (<see cref="TrainBenchmark"/>'s model and global
/// batch) and the same image embedding, as one process with T threads and as N MPI ranks (<c>mpirun</c>) with T/N
/// threads each, with the time the ranks spent inside collectives per step, measured.
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args)
    {
        int ranks = 2;
        int threads = Environment.ProcessorCount;
        int batch = 64;
        int steps = 7;
        int warmup = 2;
        int images = 256;
        int rounds = 1;
        string? mpirun = null;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--ranks":
                    ranks = PositiveInt(args[i], value);
                    break;
                case "--threads":
                    threads = PositiveInt(args[i], value);
                    break;
                case "--batch":
                    batch = PositiveInt(args[i], value);
                    break;
                case "--steps":
                    steps = PositiveInt(args[i], value);
                    break;
                case "--warmup":
                    warmup = PositiveInt(args[i], value);
                    break;
                case "--images":
                    images = PositiveInt(args[i], value);
                    break;
                case "--rounds":
                    rounds = PositiveInt(args[i], value);
                    break;
                case "--mpirun":
                    mpirun = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown scale option {args[i]}.");
            }

            i++;
        }

        mpirun ??= FindMpirun();
        if (mpirun is null)
        {
            Console.Error.WriteLine("scale: mpirun is not on PATH; install Open MPI (apt-get install openmpi-bin libopenmpi-dev) or pass --mpirun.");
            return 1;
        }

        int perRank = Math.Max(1, threads / ranks);
        Machine.PrintHeader();
        Console.WriteLine($"MPI:        {mpirun} ({MpiVersion(mpirun)}), ranks on this machine, no binding");
        Console.WriteLine($"Training:   bench train's model, global batch {batch} (each of N ranks B/N rows): forward, gathered contrastive loss, backward, gradient all-reduce, AdamW; median of {steps} steps after {warmup}");
        Console.WriteLine($"Embedding:  the image tower on {images} decoded images in batches of 32, each rank its share, then all-gathered to every rank; median of {steps} after {warmup}");
        Console.WriteLine($"Comm:       measured inside every collective on rank 0 (waiting for the other ranks included); bytes are what a ring algorithm sends per rank");
        Console.WriteLine();

        string[] worker = ["scale-worker", "--batch", $"{batch}", "--steps", $"{steps}", "--warmup", $"{warmup}", "--images", $"{images}"];
        var rows = new List<(string Name, JsonElement Result)>();
        (string, JsonElement)? bestSingle = null, bestRanks = null;
        for (int round = 1; round <= rounds; round++)
        {
            // Both configurations take turns, so a change in the machine's load hits both.
            JsonElement single = RunWorker(null, 1, [.. worker, "--threads", $"{threads}"]);
            JsonElement many = RunWorker(mpirun, ranks, [.. worker, "--threads", $"{perRank}"]);
            bestSingle = Better(bestSingle, ($"1 rank × {threads} thread{(threads == 1 ? "" : "s")}", single));
            bestRanks = Better(bestRanks, ($"{ranks} ranks × {perRank} thread{(perRank == 1 ? "" : "s")}", many));
        }

        rows.Add(bestSingle!.Value);
        rows.Add(bestRanks!.Value);
        Console.WriteLine($"{"configuration",-22} {"train samples/s",16} {"embed images/s",15} {"comm ms/step",13} {"comm share",11} {"MB/step/rank",13} {"embed comm ms",14}");
        Console.WriteLine(new string('-', 110));
        foreach (var (name, r) in rows)
        {
            double step = r.GetProperty("step_s").GetDouble();
            double comm = r.GetProperty("step_comm_mean_s").GetDouble();
            double share = comm / r.GetProperty("step_mean_s").GetDouble();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-22} {batch / step,16:F1} {images / r.GetProperty("embed_s").GetDouble(),15:F1} {comm * 1e3,13:F1} {share,11:P1} {r.GetProperty("step_bytes").GetInt64() / 1e6,13:F2} {r.GetProperty("embed_comm_s").GetDouble() * 1e3,14:F1}"));
        }

        double speedup = rows[0].Result.GetProperty("step_s").GetDouble() / rows[1].Result.GetProperty("step_s").GetDouble();
        double embedSpeedup = rows[0].Result.GetProperty("embed_s").GetDouble() / rows[1].Result.GetProperty("embed_s").GetDouble();
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows[1].Name} against {rows[0].Name}: training {speedup:F2}×, embedding {embedSpeedup:F2}×"));
        Console.WriteLine($"Load avg at end: {Machine.LoadAverage()}");
        return 0;
    }

    // The round with the shorter median training step.
    private static (string, JsonElement) Better((string, JsonElement)? best, (string, JsonElement) candidate) =>
        best is { } b && b.Item2.GetProperty("step_s").GetDouble() <= candidate.Item2.GetProperty("step_s").GetDouble() ? b : candidate;

    // One process without a launcher (mpirun null), or `mpirun -np ranks` of this program; rank 0's JSON line.
    private static JsonElement RunWorker(string? mpirun, int ranks, string[] args)
    {
        string self = ClipBenchmark.SelfPath(out string[] prefix);
        var command = new List<string>();
        string file = self;
        if (mpirun is not null)
        {
            file = mpirun;
            if (Environment.UserName == "root")
            {
                command.Add("--allow-run-as-root");
            }

            // More ranks than cores is allowed; no binding, so each rank's threads may use any core.
            command.AddRange(["--oversubscribe", "--bind-to", "none", "-np", $"{ranks}", self]);
        }

        command.AddRange([.. prefix, .. args]);
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command)
        {
            info.ArgumentList.Add(a);
        }

        PeerEnvironment.Clear(info);
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}.");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        // Under mpirun a line may start with the terminal's escape sequences; the JSON follows them.
        string? line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.Contains("{\"ranks\":", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', command)} exited with {process.ExitCode}: {error.Result.Trim()}");
        }

        using JsonDocument doc = JsonDocument.Parse(line[line.IndexOf('{', StringComparison.Ordinal)..]);
        return doc.RootElement.Clone();
    }

    private static string? FindMpirun() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    private static string MpiVersion(string mpirun)
    {
        try
        {
            var info = new ProcessStartInfo(mpirun, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process process = Process.Start(info)!;
            string first = process.StandardOutput.ReadLine() ?? "unknown";
            process.WaitForExit();
            return first.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v
            : throw new ArgumentException($"{name} needs a positive integer, got {value}.");
}

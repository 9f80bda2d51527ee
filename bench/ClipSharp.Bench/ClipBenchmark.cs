using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClipSharp.Checkpoints;

namespace ClipSharp.Bench;

/// <summary>
/// CLIP ViT-B/32 end to end against ONNX Runtime and PyTorch, identical random weights in all three, each runtime
/// in a process of its own; prints one table of medians and ratios.
/// </summary>
internal static class ClipBenchmark
{
    private static readonly (string Row, string Label, bool HigherIsBetter)[] s_rows =
    [
        ("image_b1", "encode_image batch 1 (img/s)", true),
        ("image_b32", "encode_image batch 32 (img/s)", true),
        ("text_b32_77", "encode_text batch 32, 77 tokens (texts/s)", true),
        ("text_captions", "encode_text caption mix (texts/s)", true),
        ("text_captions_77", "  caption mix at a fixed 77 (texts/s)", true),
        ("rss_image_b32", "peak RSS, encode_image batch 32 (MiB)", false),
        ("load", "model load (s)", false),
    ];

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };

    public static int Run(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--threads": o.Threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--reps": o.Reps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--runs": o.Runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--peers": o.Peers = value; break;
                case "--python": o.Python = value; break;
                case "--artifacts": o.Artifacts = value; break;
                case "--max-busy": o.MaxBusy = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--clock": o.CpuClock = value == "cpu"; break;
                case "--dtypes": o.DTypes = value == "none" ? [] : value.Split(','); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }

            i++;
        }

        Machine.PrintHeader();
        Console.WriteLine($"Threads:    {o.Threads} per runtime   runs: {o.Runs}   reps per figure: {o.Reps}   busy limit: {o.MaxBusy:P0} of the CPUs used by other processes");
        ClipArtifacts files = ClipArtifacts.At(o.Artifacts ?? Path.Combine(ClipArtifacts.RepoRoot(), "bench", "artifacts"));
        files.EnsureModelAndInputs();

        var runtimes = new List<string> { "ours" };

        // Reduced-precision copies of the same model, converted once by the real converter (not timed).
        foreach (string dtype in o.DTypes)
        {
            files.EnsureConverted(dtype);
            runtimes.Add($"ours-{dtype}");
        }

        bool torch = o.Peers is "all" or "pytorch" && PythonHasTorch(o.Python);
        if (o.Peers is "all" or "ort")
        {
            if (!File.Exists(files.ImageOnnx) || !File.Exists(files.TextOnnx))
            {
                if (PythonHasTorch(o.Python))
                {
                    Console.WriteLine("Exporting the ONNX models with PyTorch ...");
                    RunProcess(o.Python, PeerArgs(files, "export", o), peerEnvironment: true);
                }
            }

            if (File.Exists(files.ImageOnnx) && File.Exists(files.TextOnnx))
            {
                runtimes.Add("ort");
            }
            else
            {
                Console.WriteLine("ONNX Runtime: no ONNX export (it needs python3-torch); skipped.");
            }
        }

        if (torch)
        {
            runtimes.Add("pytorch");
        }
        else if (o.Peers is "all" or "pytorch")
        {
            Console.WriteLine($"PyTorch: '{o.Python}' cannot import torch (apt-get install python3-torch); skipped.");
        }

        var samples = new Dictionary<(string Runtime, string Row), List<double>>();
        var busyRuns = new List<string>();
        for (int run = 0; run < o.Runs; run++)
        {
            foreach (string runtime in runtimes)
            {
                // A run that other processes disturbed is repeated (up to twice) rather than counted.
                for (int attempt = 0; ; attempt++)
                {
                    (List<ResultLine> results, double busy) = Measure(runtime, "run", files, o);
                    string note = $"{runtime} run {run + 1}: other processes used {busy:P0} of the CPUs, load {Machine.LoadAverage()}";
                    if (busy > o.MaxBusy && attempt < 2)
                    {
                        Console.WriteLine($"  {note}: busy, repeated");
                        continue;
                    }

                    Console.WriteLine($"  {note}{(busy > o.MaxBusy ? " (busy, kept)" : string.Empty)}");
                    if (busy > o.MaxBusy)
                    {
                        busyRuns.Add(runtime);
                    }

                    foreach (ResultLine r in results)
                    {
                        Add(samples, r);
                    }

                    break;
                }
            }
        }

        foreach (string runtime in runtimes)
        {
            (List<ResultLine> rss, _) = Measure(runtime, "rss", files, o);
            foreach (ResultLine r in rss.Where(r => r.Row == "rss_image_b32"))
            {
                Add(samples, r);
            }
        }

        PrintAgreement(files, runtimes.Where(r => !r.StartsWith("ours-", StringComparison.Ordinal)).ToList());
        PrintTable(samples, runtimes.Where(r => !r.StartsWith("ours-", StringComparison.Ordinal)).ToList());
        PrintReducedPrecision(files, samples, runtimes);
        Console.WriteLine($"Load avg at end: {Machine.LoadAverage()}{(busyRuns.Count > 0 ? $"   busy runs kept: {string.Join(", ", busyRuns)}" : string.Empty)}");
        return 0;
    }

    private static void Add(Dictionary<(string, string), List<double>> samples, ResultLine r)
    {
        if (!samples.TryGetValue((r.Runtime, r.Row), out List<double>? list))
        {
            samples[(r.Runtime, r.Row)] = list = [];
        }

        list.Add(r.Value);
    }

    // Runs one worker; busy = CPU time of other processes during it, as a share of all CPUs' time.
    private static (List<ResultLine> Results, double Busy) Measure(string runtime, string mode, ClipArtifacts files, Options o)
    {
        (double total0, double idle0) = CpuTimes();
        var watch = Stopwatch.StartNew();
        // ours-f16 / ours-int8 are our worker on the converted model, on the rows the reduced table shows.
        string[] reduced = runtime.StartsWith("ours-", StringComparison.Ordinal)
            ? ["--dtype", runtime["ours-".Length..], "--rows", "image_b1,image_b32,text_b32_77"]
            : [];
        string worker = runtime.StartsWith("ours", StringComparison.Ordinal) ? "ours" : runtime;
        string output = runtime == "pytorch"
            ? RunProcess(o.Python, PeerArgs(files, mode, o), peerEnvironment: true)
            : RunProcess(SelfPath(out string[] prefix), [.. prefix, "clip-worker", worker, mode, "--artifacts", files.Folder, "--threads", $"{o.Threads}", "--reps", $"{o.Reps}", .. (o.CpuClock ? ["--cpu-clock"] : Array.Empty<string>()), .. reduced], peerEnvironment: false);
        double wall = watch.Elapsed.TotalSeconds;
        (double total1, double idle1) = CpuTimes();
        var results = output.Split('\n')
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonSerializer.Deserialize<ResultLine>(line, s_json)!)
            .ToList();
        double own = results.FirstOrDefault(r => r.Row == "cpu_seconds")?.Value ?? double.NaN;
        double used = (total1 - total0) - (idle1 - idle0);
        double busy = double.IsNaN(own) || wall <= 0 ? 0 : Math.Max(0, used - own) / (wall * Environment.ProcessorCount);
        return (results.Where(r => r.Row != "cpu_seconds").ToList(), busy);
    }

    private static string[] PeerArgs(ClipArtifacts files, string command, Options o) =>
    [
        Path.Combine(ClipArtifacts.RepoRoot(), "bench", "clip_peer.py"), command, "--weights", files.Weights,
        "--inputs", files.Inputs, "--outputs", files.Outputs("pytorch"), "--image-onnx", files.ImageOnnx,
        "--text-onnx", files.TextOnnx, "--threads", $"{o.Threads}", "--reps", $"{o.Reps}",
    ];

    // Seconds of all CPUs since boot, and of them idle (incl. iowait), from /proc/stat.
    private static (double Total, double Idle) CpuTimes()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (0, 0);
        }

        string[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double[] v = [.. f.Skip(1).Take(8).Select(x => double.Parse(x, CultureInfo.InvariantCulture) / 100)];
        return (v.Sum(), v[3] + v[4]);
    }

    internal static string SelfPath(out string[] prefix)
    {
        string path = Environment.ProcessPath ?? "dotnet";
        prefix = Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? [typeof(ClipBenchmark).Assembly.Location]
            : [];
        return path;
    }

    private static bool PythonHasTorch(string python)
    {
        try
        {
            RunProcess(python, ["-c", "import torch"], peerEnvironment: true);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    // The peer's thread settings apply to the peer process only: never to ours.
    private static string RunProcess(string file, string[] args, bool peerEnvironment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (peerEnvironment)
        {
            PeerEnvironment.Apply(info);
        }
        else
        {
            PeerEnvironment.Clear(info);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}.");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {error.Result}");
        }

        return output;
    }

    // The three runtimes must compute the same function before their speeds mean anything.
    private static void PrintAgreement(ClipArtifacts files, List<string> runtimes)
    {
        Console.WriteLine();
        Console.WriteLine("Agreement with ours (max |Δ| / max |ours|), same weights and inputs:");
        using SafeTensorsFile ours = SafeTensorsFile.Open(files.Outputs("ours"));
        foreach (string runtime in runtimes.Where(r => r != "ours"))
        {
            using SafeTensorsFile peer = SafeTensorsFile.Open(files.Outputs(runtime));
            var cells = new List<string>();
            foreach (string name in new[] { "image", "text77", "captions" })
            {
                float[] a = ours.ReadTensor(name).ToArray();
                float[] b = peer.ReadTensor(name).ToArray();
                double diff = a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
                double scale = a.Max(x => Math.Abs((double)x));
                cells.Add($"{name} {diff:E1} / {scale:F3}");
            }

            Console.WriteLine($"  {runtime,-8} {string.Join("   ", cells)}");
        }
    }

    private static void PrintTable(Dictionary<(string Runtime, string Row), List<double>> samples, List<string> runtimes)
    {
        string[] peers = [.. runtimes.Where(r => r != "ours")];
        Console.WriteLine();
        string header = $"{"median over runs",-44}{"ours",10}" + string.Concat(peers.Select(p => $"{Title(p),12}"))
            + string.Concat(peers.Select(p => $"{"ours/" + Title(p),16}"));
        Console.WriteLine(header);
        foreach ((string row, string label, bool higher) in s_rows)
        {
            double ours = Median(samples, "ours", row);
            if (double.IsNaN(ours) && peers.All(p => double.IsNaN(Median(samples, p, row))))
            {
                continue;
            }

            string line = $"{label,-44}{Format(ours),10}";
            foreach (string p in peers)
            {
                line += $"{Format(Median(samples, p, row)),12}";
            }

            foreach (string p in peers)
            {
                // The caption mix compares ours (length-aware) with what the peer does with the same texts.
                double peer = Median(samples, p, row == "text_captions" ? "text_captions_77" : row);
                double ratio = higher ? ours / peer : peer / ours;
                line += $"{(double.IsNaN(ratio) ? "-" : $"{ratio:F2}×"),16}";
            }

            Console.WriteLine(line);
        }

        Console.WriteLine("Ratios are ours relative to the peer, > 1 is better for ours (for RSS and load: peer / ours).");
    }

    // ours at f32, f16 and int8: throughput (and its ratio to ORT), weights file size, peak RSS, and how closely the
    // embeddings follow the f32 model's (the smallest row cosine over the agreement inputs).
    private static void PrintReducedPrecision(ClipArtifacts files, Dictionary<(string Runtime, string Row), List<double>> samples, List<string> runtimes)
    {
        string[] ours = [.. runtimes.Where(r => r.StartsWith("ours", StringComparison.Ordinal))];
        if (ours.Length == 1)
        {
            return;
        }

        bool ort = runtimes.Contains("ort");
        Console.WriteLine();
        Console.WriteLine("Reduced-precision weights (ours; ratios: ours / ORT f32):");
        Console.WriteLine($"{"weights",-11}{"file MiB",10}{"img b1/s",18}{"img b32/s",18}{"text b32x77/s",18}{"RSS MiB",10}{"min cos img",13}{"min cos text",14}");
        using SafeTensorsFile f32 = SafeTensorsFile.Open(files.Outputs("ours"));
        foreach (string runtime in ours)
        {
            string Cell(string row)
            {
                double value = Median(samples, runtime, row);
                double peer = ort ? Median(samples, "ort", row) : double.NaN;
                return double.IsNaN(peer) ? Format(value) : $"{Format(value)} ({value / peer:F2}×)";
            }

            string imageCos = "1", textCos = "1";
            if (runtime != "ours")
            {
                using SafeTensorsFile reduced = SafeTensorsFile.Open(files.Outputs(runtime));
                imageCos = $"{MinCosine(f32, reduced, "image"):F6}";
                textCos = $"{Math.Min(MinCosine(f32, reduced, "text77"), MinCosine(f32, reduced, "captions")):F6}";
            }

            Console.WriteLine($"{(runtime == "ours" ? "ours f32" : runtime),-11}{Format(Median(samples, runtime, "weights_mib")),10}{Cell("image_b1"),18}"
                + $"{Cell("image_b32"),18}{Cell("text_b32_77"),18}{Format(Median(samples, runtime, "rss_image_b32")),10}{imageCos,13}{textCos,14}");
        }
    }

    // The smallest cosine between matching rows of the same output in two runs.
    private static double MinCosine(SafeTensorsFile a, SafeTensorsFile b, string name)
    {
        Tensors.Tensor x = a.ReadTensor(name);
        float[] y = b.ReadTensor(name).ToArray();
        int e = x.Dim(1);
        double worst = 1;
        for (int r = 0; r < x.Dim(0); r++)
        {
            double dot = 0, xx = 0, yy = 0;
            for (int i = r * e; i < (r + 1) * e; i++)
            {
                dot += (double)x.Span[i] * y[i];
                xx += (double)x.Span[i] * x.Span[i];
                yy += (double)y[i] * y[i];
            }

            worst = Math.Min(worst, dot / Math.Sqrt(xx * yy));
        }

        return worst;
    }

    private static string Title(string runtime) => runtime switch { "ort" => "ORT", "pytorch" => "PyTorch", _ => runtime };

    private static string Format(double v) => double.IsNaN(v) ? "-" : v >= 100 ? $"{v:F0}" : v >= 1 ? $"{v:F1}" : $"{v:F3}";

    private static double Median(Dictionary<(string, string), List<double>> samples, string runtime, string row)
    {
        if (!samples.TryGetValue((runtime, row), out List<double>? list) || list.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. list.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class Options
    {
        public int Threads { get; set; } = Environment.ProcessorCount;

        public int Reps { get; set; } = 5;

        public int Runs { get; set; } = 3;

        public string Peers { get; set; } = "all";

        public string Python { get; set; } = "/usr/bin/python3";

        public string? Artifacts { get; set; }

        public double MaxBusy { get; set; } = 0.1;

        public bool CpuClock { get; set; }

        public string[] DTypes { get; set; } = ["f16", "int8"];
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Training;

namespace ClipSharp.Bench;

/// <summary>
/// Samples per second of one CLIP training step (forward, contrastive loss, backward, AdamW) against PyTorch running
/// the same model and step (bench/train_peer.py) in the same run.
/// </summary>
internal static class TrainBenchmark
{
    // embed 256, image 64, a 6-layer ViT of width 256 with patch 8, context 32, vocab 8192, a 6-layer text tower of
    // width 256 with 4 heads.
    private static readonly ClipConfig s_config = new(256, 64, [6], 256, 8, 32, 8192, 256, 4, 6);

    /// <summary>The model this benchmark trains; <c>scale</c> trains the same one.</summary>
    public static ClipConfig Config => s_config;

    public static int Run(string[] args)
    {
        int batch = 64;
        int reps = 7;
        int threads = Environment.ProcessorCount;
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        string? peerScript = FindPeerScript();
        bool peer = true;
        int rounds = 2;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--batch":
                    batch = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--reps":
                    reps = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--threads":
                    threads = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--rounds":
                    rounds = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--python":
                    python = value;
                    break;
                case "--peer":
                    peer = value switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new ArgumentException($"--peer takes on or off, not {value}."),
                    };
                    break;
                default:
                    throw new ArgumentException($"Unknown train option {args[i]}.");
            }

            i++;
        }

        Machine.PrintHeader();
        Console.WriteLine($"Model:      CLIP embed {s_config.EmbedDim}, ViT {s_config.ImageResolution} px patch {s_config.VisionPatchSize} width {s_config.VisionWidth} × {s_config.VisionLayers[0]}, "
            + $"text width {s_config.TransformerWidth} × {s_config.TransformerLayers} ({s_config.TransformerHeads} heads), context {s_config.ContextLength}, vocab {s_config.VocabSize}: "
            + $"{ClipModel.CountParameters(s_config) / 1e6:F2}M parameters");
        Console.WriteLine($"Step:       batch {batch}: forward, contrastive loss, backward, AdamW; median of {reps} after warm-up; {threads} thread(s)");
        Console.WriteLine($"Peer:       {(peer ? $"PyTorch via {python} {peerScript ?? "(bench/train_peer.py not found)"}, {PeerEnvironment.Describe()}" : "off")}");
        Console.WriteLine();

        Parallelism.MaxThreads = threads;

        // Ours and the peer take turns, so a change in the machine's load hits both; the best round of each is kept.
        Console.WriteLine($"{"round",-34} {"ours samples/s",15} {"PyTorch",10}");
        Console.WriteLine(new string('-', 62));
        double bestOurs = 0;
        double? bestPeer = null;
        for (int round = 1; round <= rounds; round++)
        {
            double ours = batch / MeasureOurs(batch, reps);
            double? torch = peer ? MeasurePeer(python, peerScript, batch, reps, threads) : null;
            bestOurs = Math.Max(bestOurs, ours);
            if (torch is double t)
            {
                bestPeer = Math.Max(bestPeer ?? 0, t);
            }

            Console.WriteLine($"{round,-34} {ours,15:F1} {(torch is double u ? u.ToString("F1", CultureInfo.InvariantCulture) : "-"),10}");
        }

        Console.WriteLine();
        Console.WriteLine($"{"step (best round)",-34} {"ours samples/s",15} {"PyTorch",10} {"ratio",7}");
        Console.WriteLine(new string('-', 70));
        string peerText = bestPeer is double p ? p.ToString("F1", CultureInfo.InvariantCulture) : "-";
        string ratioText = bestPeer is double q ? (bestOurs / q).ToString("F2", CultureInfo.InvariantCulture) + "×" : "-";
        Console.WriteLine($"{"CLIP train step, batch " + batch,-34} {bestOurs,15:F1} {peerText,10} {ratioText,7}");
        Console.WriteLine();
        Console.WriteLine($"Load avg at end: {Machine.LoadAverage()}");
        return 0;
    }

    private static double MeasureOurs(int batch, int reps)
    {
        ClipModel model = ClipModel.Create(s_config, seed: 0);
        var trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions { Schedule = new ConstantSchedule(5e-4) });
        var (images, tokens) = SyntheticBatch.Create(s_config, batch);
        return Timing.MedianSeconds(() => trainer.Step(images, tokens), reps, warmupSeconds: 2.0);
    }

    private static double? MeasurePeer(string python, string? script, int batch, int reps, int threads)
    {
        if (script is null)
        {
            Console.WriteLine("Peer:       bench/train_peer.py not found (run from the repository); PyTorch skipped.");
            return null;
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { script, "--batch", $"{batch}", "--reps", $"{reps}", "--threads", $"{threads}" })
        {
            start.ArgumentList.Add(a);
        }

        PeerEnvironment.Apply(start);
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"Peer:       {python} {script} failed ({process.ExitCode}): {error.Result.Trim().Split('\n').LastOrDefault()}");
                return null;
            }

            using JsonDocument doc = JsonDocument.Parse(output.Trim().Split('\n').Last());
            return doc.RootElement.GetProperty("samples_per_s").GetDouble();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"Peer:       cannot start {python}: {e.Message}; PyTorch skipped (apt-get install -y python3-torch).");
            return null;
        }
    }

    private static string? FindPeerScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "train_peer.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string cwd = Path.Combine(Directory.GetCurrentDirectory(), "bench", "train_peer.py");
        return File.Exists(cwd) ? cwd : null;
    }
}

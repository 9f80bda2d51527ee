using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using ClipSharp.Search;

namespace ClipSharp.Bench;

/// <summary>
/// The search engines on random normalised vectors (the hardest case for a graph index: no clusters):
/// HNSW build time and memory, per-query latency with exact re-ranking, and recall@k against brute force.
/// </summary>
internal static class SearchBenchmark
{
    public static int Run(string[] args)
    {
        int count = 1_000_000, dimension = 512, queries = 1000, k = 10, seed = 42, clusters = 0;
        var settings = HnswSettings.Default;
        int[] efs = [settings.ExpansionSearch];
        float[] margins = [QuantizedSettings.Default.Margin];
        string[] engines = ["quantized"];
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            bool list = args[i] is "--ef" or "--margin" or "--engine";
            int number = list ? 0 : int.Parse(value, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--count": count = number; break;
                case "--dim": dimension = number; break;
                case "--queries": queries = number; break;
                case "-k": k = number; break;
                case "--seed": seed = number; break;
                case "--clusters": clusters = number; break;
                case "--m": settings = settings with { Connectivity = number }; break;
                case "--ef-add": settings = settings with { ExpansionAdd = number }; break;
                case "--ef": efs = [.. value.Split(',').Select(e => int.Parse(e, CultureInfo.InvariantCulture))]; break;
                case "--oversample": settings = settings with { Oversampling = number }; break;
                case "--margin": margins = [.. value.Split(',').Select(e => float.Parse(e, CultureInfo.InvariantCulture))]; break;
                case "--engine": engines = value.Split(','); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        if (engines.Any(e => e is not ("quantized" or "hnsw")))
        {
            throw new ArgumentException($"--engine takes quantized, hnsw or both (comma-separated), got {string.Join(',', engines)}.");
        }

        Machine.PrintHeader();
        Console.WriteLine(
            $"Vectors:    {count:N0} × {dimension} float32, normalised, {(clusters == 0 ? "uniform" : $"{clusters} clusters")}, seed {seed}; {queries} queries, k={k}; "
            + $"engines {string.Join(',', engines)}");

        float[]? centres = clusters > 0 ? Vectors(clusters, dimension, seed + 2, null) : null;
        float[] data = Vectors(count, dimension, seed, centres);
        float[] probes = Vectors(queries, dimension, seed + 1, centres);

        var exactWatch = Stopwatch.StartNew();
        Neighbor[][] truth = ExactSearch.SearchBatch(data, dimension, probes, k);
        exactWatch.Stop();
        var single = new double[Math.Min(queries, 20)];
        for (int q = 0; q < single.Length; q++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ExactSearch.Search(data, dimension, probes.AsSpan(q * dimension, dimension), k);
            single[q] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        Array.Sort(single);
        double exactP50 = single[single.Length / 2];
        Console.WriteLine($"Exact:      {exactWatch.Elapsed.TotalMilliseconds / queries:F2} ms/query batched ({queries} queries in one GEMM pass), "
            + $"{exactP50:F1} ms p50 one query at a time (the peer for the ratios below)");
        if (engines.Contains("quantized"))
        {
            RunQuantized(data, dimension, probes, truth, k, margins, exactP50);
        }

        if (engines.Contains("hnsw"))
        {
            RunHnsw(data, dimension, probes, truth, k, settings, efs, exactP50);
        }

        Console.WriteLine("Goals: p50 < 5 ms, recall@10 ≥ 0.98.");
        Console.WriteLine($"Load avg:   {Machine.LoadAverage()} (end)");
        return 0;
    }

    private static void RunQuantized(float[] data, int dimension, float[] probes, Neighbor[][] truth, int k, float[] margins, double exactP50)
    {
        int queries = truth.Length;
        var build = Stopwatch.StartNew();
        QuantizedSearch engine = QuantizedSearch.Build(data, dimension);
        build.Stop();
        Console.WriteLine($"Quantized:  codes built in {build.Elapsed.TotalSeconds:F1} s ({engine.Count / build.Elapsed.TotalSeconds:N0} vectors/s), "
            + $"{engine.CodeBytes / 1048576.0:N0} MiB of codes beside the {(long)engine.Count * dimension * 4 / 1048576.0:N0} MiB of float32 rows");
        foreach (float margin in margins)
        {
            QuantizedSearch tuned = margin == QuantizedSettings.Default.Margin ? engine : engine.WithSettings(QuantizedSettings.Default with { Margin = margin });
            var latencies = new double[queries];
            long found = 0, reranked = 0;
            for (int pass = 0; pass < 2; pass++)
            {
                // Pass 0 warms the JIT and the caches; pass 1 is measured.
                found = 0;
                reranked = 0;
                for (int q = 0; q < queries; q++)
                {
                    ReadOnlySpan<float> query = probes.AsSpan(q * dimension, dimension);
                    long t0 = Stopwatch.GetTimestamp();
                    Neighbor[] top = tuned.Search(query, k, out int scored);
                    latencies[q] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    reranked += scored;
                    var exact = truth[q].Select(n => n.Index).ToHashSet();
                    found += top.Count(n => exact.Contains(n.Index));
                }
            }

            Array.Sort(latencies);
            double p50 = Percentile(latencies, 0.50);
            Console.WriteLine($"Quantized margin={margin,4:F2}: p50 {p50:F3} ms   p99 {Percentile(latencies, 0.99):F3} ms   "
                + $"recall@{k} {(double)found / ((long)queries * k):F4}   re-ranked {reranked / (double)queries:N0}/query   {exactP50 / p50:F1}× exact");
        }
    }

    private static void RunHnsw(float[] data, int dimension, float[] probes, Neighbor[][] truth, int k, HnswSettings settings, int[] efs, double exactP50)
    {
        int queries = truth.Length;
        int count = data.Length / dimension;
        Console.WriteLine($"HNSW:       M={settings.Connectivity} efConstruction={settings.ExpansionAdd} efSearch={string.Join(',', efs)} oversampling={settings.Oversampling}");
        long before = CurrentRss();
        var build = Stopwatch.StartNew();
        using HnswGraph graph = HnswGraph.Build(data, dimension, settings);
        build.Stop();
        long graphBytes = CurrentRss() - before;
        string file = Path.Combine(Path.GetTempPath(), $"clipsharp-bench-{Environment.ProcessId}.usearch");
        graph.Save(file);
        long fileBytes = new FileInfo(file).Length;
        File.Delete(file);
        Console.WriteLine($"Build:      {build.Elapsed.TotalSeconds:F1} s ({count / build.Elapsed.TotalSeconds:N0} vectors/s)");
        Console.WriteLine($"Memory:     graph + its vector copy {graphBytes / 1048576.0:N0} MiB resident (file {fileBytes / 1048576.0:N0} MiB); raw vectors {(long)count * dimension * 4 / 1048576.0:N0} MiB");
        foreach (int ef in efs)
        {
            var latencies = new double[queries];
            int found = 0;
            int wanted = Math.Max(k * settings.Oversampling, ef);
            for (int pass = 0; pass < 2; pass++)
            {
                // Pass 0 warms the JIT and the caches; pass 1 is measured.
                found = 0;
                for (int q = 0; q < queries; q++)
                {
                    ReadOnlySpan<float> query = probes.AsSpan(q * dimension, dimension);
                    long t0 = Stopwatch.GetTimestamp();
                    Neighbor[] top = ReRank(graph.Candidates(query, wanted), data, dimension, query, k);
                    latencies[q] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    var exact = truth[q].Select(n => n.Index).ToHashSet();
                    found += top.Count(n => exact.Contains(n.Index));
                }
            }

            Array.Sort(latencies);
            double p50 = Percentile(latencies, 0.50);
            Console.WriteLine($"HNSW+rerank efSearch={ef,5} ({wanted} candidates): p50 {p50:F3} ms   p99 {Percentile(latencies, 0.99):F3} ms   "
                + $"recall@{k} {(double)found / ((long)queries * k):F4}   {exactP50 / p50:F1}× exact");
        }
    }

    private static Neighbor[] ReRank(long[] candidates, float[] data, int dimension, ReadOnlySpan<float> query, int k)
    {
        var scored = new Neighbor[candidates.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            int row = (int)candidates[i];
            scored[i] = new Neighbor(row, TensorPrimitives.Dot(query, data.AsSpan(row * dimension, dimension)));
        }

        Array.Sort(scored, (a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));
        return scored[..Math.Min(k, scored.Length)];
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static long CurrentRss()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    // [N, D] Gaussian directions, row by row from per-row seeds so that the set does not depend on thread count.
    // With centres [C, D], each row is a centre plus Gaussian noise of the same expected norm (cosine ≈ 0.7 to
    // its centre): clustered like real embeddings, unlike uniform directions, which are the worst case for a graph.
    private static float[] Vectors(int count, int dimension, int seed, float[]? centres)
    {
        var data = new float[(long)count * dimension];
        int clusters = centres is null ? 0 : centres.Length / dimension;
        Parallel.For(0, count, i =>
        {
            var random = new Random(HashCode.Combine(seed, i));
            Span<float> row = data.AsSpan(i * dimension, dimension);
            float noise = clusters > 0 ? 1f / MathF.Sqrt(dimension) : 1f;
            for (int j = 0; j < dimension; j++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                row[j] = noise * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }

            if (clusters > 0)
            {
                TensorPrimitives.Add(row, centres.AsSpan(random.Next(clusters) * dimension, dimension), row);
            }

            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        });
        return data;
    }
}

using System.Collections.Concurrent;

namespace ClipSharp.Bench;

/// <summary>Latencies per request kind and every error, printed as one table.</summary>
internal sealed class LoadReport(IReadOnlyList<LoadRequestKind> kinds)
{
    private const int ErrorsShown = 10;
    private readonly ConcurrentDictionary<LoadRequestKind, ConcurrentBag<double>> _latencies = new();
    private readonly ConcurrentQueue<string> _errors = new();

    public TimeSpan Elapsed { get; set; }

    public int Errors => _errors.Count;

    public void Add(LoadRequestKind kind, TimeSpan latency, string? error)
    {
        _latencies.GetOrAdd(kind, _ => []).Add(latency.TotalMilliseconds);
        if (error is not null)
        {
            _errors.Enqueue(error);
        }
    }

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{"request",-12} {"count",8} {"req/s",8} {"p50 ms",9} {"p99 ms",9} {"max ms",9}");
        foreach (LoadRequestKind kind in kinds.Distinct())
        {
            Row(output, kind.ToString().ToLowerInvariant(), _latencies.TryGetValue(kind, out var bag) ? [.. bag] : []);
        }

        Row(output, "all", [.. _latencies.Values.SelectMany(b => b)]);
        output.WriteLine();
        output.WriteLine($"Elapsed:    {Elapsed.TotalSeconds:F1} s; errors: {Errors}");
        foreach (string e in _errors.Take(ErrorsShown))
        {
            output.WriteLine("  " + e);
        }
    }

    private void Row(TextWriter output, string name, double[] ms)
    {
        Array.Sort(ms);
        output.WriteLine(ms.Length == 0
            ? $"{name,-12} {0,8}"
            : $"{name,-12} {ms.Length,8} {ms.Length / Elapsed.TotalSeconds,8:F1} {Quantile(ms, 0.50),9:F2} {Quantile(ms, 0.99),9:F2} {ms[^1],9:F2}");
    }

    /// <summary>Nearest-rank quantile of sorted values.</summary>
    private static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

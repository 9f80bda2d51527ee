using System.Diagnostics;
using System.Text;

namespace ClipSharp.Testing.Fuzzing;

/// <summary>
/// Runs the cases of one parser's fuzz test: each must finish within <see cref="CaseTimeout"/>, allocate no more than
/// its bound, and either succeed or throw one of the parser's documented exception types with a message that names
/// the input. Failures are collected (with the input saved for a regression case), so one run shows all of them;
/// <see cref="Finish"/> prints the count of cases per outcome and fails the test if any case failed.
/// </summary>
internal sealed class FuzzRun
{
    private const int MaxFailuresShown = 20;

    private readonly string _parser;
    private readonly ITestOutputHelper _output;
    private readonly Type[] _documented;
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public FuzzRun(string parser, ITestOutputHelper output, params Type[] documented)
    {
        _parser = parser;
        _output = output;
        _documented = documented;
    }

    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int Cases { get; private set; }

    public int Refused => _counts.Where(kv => kv.Key.StartsWith("refused", StringComparison.Ordinal)).Sum(kv => kv.Value);

    /// <summary>
    /// One case, run on a worker thread whose own allocations are measured. <paramref name="label"/> groups the case
    /// in the report (the mutation kind, say); <paramref name="input"/> is saved when the case fails.
    /// </summary>
    public void Case(string name, string inputName, long allocationBound, Action action, string label = "", byte[]? input = null)
    {
        // A thread of its own rather than the pool's, which parallel tests starve; it also measures only this case.
        Exception? exception = null;
        long allocated = 0;
        var worker = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                action();
            }
            catch (Exception e)
            {
                exception = e;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        worker.IsBackground = true;
        worker.Start();
        if (!worker.Join(CaseTimeout))
        {
            Cases++;
            Fail(name, $"still running after {CaseTimeout.TotalSeconds} s", input);
            return;
        }

        Judge(name, inputName, exception, label, input);
        if (allocated > allocationBound)
        {
            Fail(name, $"allocated {allocated:N0} bytes, over its bound of {allocationBound:N0}", input);
        }
    }

    /// <summary>
    /// One asynchronous case (a request to a server in this process): the time limit cancels it, and the bound applies to
    /// the whole process's allocations while it runs, so such a test must not run in parallel with others.
    /// </summary>
    public async Task CaseAsync(string name, long allocationBound, Func<CancellationToken, Task<string?>> action, string label = "", byte[]? input = null)
    {
        using var timeout = new CancellationTokenSource(CaseTimeout);
        long before = GC.GetTotalAllocatedBytes(precise: false);
        string? problem;
        try
        {
            problem = await action(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            problem = $"still running after {CaseTimeout.TotalSeconds} s";
        }
        catch (Exception e)
        {
            problem = $"threw {e}";
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        Cases++;
        if (problem is not null)
        {
            Fail(name, problem, input);
        }
        else if (allocated > allocationBound)
        {
            Fail(name, $"allocated {allocated:N0} bytes, over its bound of {allocationBound:N0}", input);
        }
    }

    /// <summary>Counts an outcome of an asynchronous case (e.g. the status it was answered with).</summary>
    public void Count(string outcome) => _counts[outcome] = _counts.GetValueOrDefault(outcome) + 1;

    /// <summary>Prints the count of cases per outcome, and fails with every failed case.</summary>
    public int Finish()
    {
        _output.WriteLine(
            $"fuzz {_parser}: {Cases} cases in {_watch.Elapsed.TotalSeconds:F1} s; "
            + string.Join(", ", _counts.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.True(
            _failures.Count == 0,
            $"{_failures.Count} of {Cases} {_parser} cases failed:\n" + string.Join("\n", _failures.Take(MaxFailuresShown)));
        return Cases;
    }

    private void Judge(string name, string inputName, Exception? exception, string label, byte[]? input)
    {
        Cases++;
        string suffix = label.Length > 0 ? " (" + label + ")" : string.Empty;
        if (exception is null)
        {
            Count("accepted" + suffix);
            return;
        }

        // The exact type: a documented ArgumentException must not let an ArgumentOutOfRangeException from a bug through.
        if (!_documented.Contains(exception.GetType()))
        {
            Fail(name, $"threw an undocumented {exception.GetType().Name}: {exception}", input);
            return;
        }

        if (!exception.Message.Contains(inputName, StringComparison.Ordinal))
        {
            Fail(name, $"{exception.GetType().Name} does not name the input '{inputName}': {exception.Message}", input);
            return;
        }

        Count("refused" + suffix);
    }

    private void Fail(string name, string problem, byte[]? input)
    {
        string saved = string.Empty;
        if (input is not null && _failures.Count < MaxFailuresShown)
        {
            string folder = Path.Combine(Path.GetTempPath(), "clipsharp-fuzz");
            Directory.CreateDirectory(folder);
            string file = Path.Combine(folder, Sanitise($"{_parser}-{name}") + ".bin");
            File.WriteAllBytes(file, input);
            saved = $" [input saved to {file}]";
        }

        _failures.Add($"{name}: {problem}{saved}");
    }

    private static string Sanitise(string name)
    {
        var result = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            result.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        }

        return result.ToString();
    }
}

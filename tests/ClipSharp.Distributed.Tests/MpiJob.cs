using System.Diagnostics;
using System.Text;

namespace ClipSharp.Distributed.Tests;

/// <summary>Runs the rank program under Open MPI's real <c>mpirun</c> on this machine, or as one plain process.</summary>
internal static class MpiJob
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string?> s_mpirun = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists));

    public static string WorkerDll => Path.Combine(AppContext.BaseDirectory, "ClipSharp.Distributed.Worker.dll");

    public static string ClipDll => Path.Combine(AppContext.BaseDirectory, "clip.dll");

    /// <summary>mpirun's path, or an xunit skip saying how to get it.</summary>
    public static string RequireMpirun()
    {
        if (s_mpirun.Value is null && Environment.GetEnvironmentVariable("CLIPSHARP_REQUIRE_MPI") == "1")
        {
            Assert.Fail("mpirun is not on PATH, and CLIPSHARP_REQUIRE_MPI=1 makes that a failure: install openmpi-bin and libopenmpi-dev.");
        }

        if (s_mpirun.Value is null)
        {
            Assert.Skip("mpirun is not on PATH; install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the multi-process tests.");
        }

        return s_mpirun.Value!;
    }

    /// <summary>The worker under <c>mpirun -np ranks</c>.</summary>
    public static Result Ranks(int ranks, params string[] args) => Program(ranks, WorkerDll, args);

    /// <summary>A program (a .dll run by dotnet) under <c>mpirun -np ranks</c>.</summary>
    public static Result Program(int ranks, string dll, params string[] args) => Program(ranks, dll, (Action?)null, args);

    /// <summary>
    /// A program under <c>mpirun -np ranks</c>; <paramref name="whileRunning"/> runs on this thread once the job has
    /// started (to act on it from outside, say kill one of its ranks), then the job runs to its end under the timeout.
    /// </summary>
    public static Result Program(int ranks, string dll, Action? whileRunning, params string[] args)
    {
        string mpirun = RequireMpirun();
        var all = new List<string>();
        if (Environment.UserName == "root")
        {
            all.Add("--allow-run-as-root");
        }

        // More ranks than cores on a small machine; no binding, so oversubscribed ranks are not pinned to one core.
        all.AddRange(["--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-x", "CLIPSHARP_THREADS=1", "dotnet", dll]);
        all.AddRange(args);
        return Start(mpirun, all, new Dictionary<string, string>(), whileRunning);
    }

    /// <summary>The worker as one process without a launcher.</summary>
    public static Result Single(IReadOnlyDictionary<string, string> environment, params string[] args) => Start("dotnet", [WorkerDll, .. args], environment);

    /// <summary>A program (a .dll run by dotnet) as one process without a launcher.</summary>
    public static Result Program(string dll, params string[] args) => Start("dotnet", [dll, .. args], new Dictionary<string, string>());

    private static Result Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, Action? whileRunning = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["CLIPSHARP_THREADS"] = "1";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        whileRunning?.Invoke();
        TimeSpan left = Timeout - clock.Elapsed;
        if (left <= TimeSpan.Zero || !process.WaitForExit(left))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new Result(-1, output.ToString(), clock.Elapsed, TimedOut: true);
        }

        process.WaitForExit();
        return new Result(process.ExitCode, output.ToString(), clock.Elapsed, TimedOut: false);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed, bool TimedOut);
}

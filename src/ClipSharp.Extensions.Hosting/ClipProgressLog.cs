using ClipSharp.Hub;
using ClipSharp.Search;
using ClipSharp.Training;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Hosting;

/// <summary>
/// The library reports long operations through <see cref="IProgress{T}"/>; these turn the reports into log entries, so
/// that indexing, downloads and training show in an app's logs: pass one where the library takes a progress.
/// </summary>
public static partial class ClipProgressLog
{
    /// <summary>For <see cref="ImageIndexer.Add(string, string, IProgress{IndexProgress}?, CancellationToken)"/>: one entry per committed batch.</summary>
    public static IProgress<IndexProgress> Index(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return new Reporter<IndexProgress>(p => LogIndexed(logger, p.Done, p.Total));
    }

    /// <summary>For <see cref="HubClient.PullAsync"/>: an entry when a file starts and when it is complete.</summary>
    public static IProgress<HubProgress> Pull(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var started = new HashSet<string>(StringComparer.Ordinal);
        return new Reporter<HubProgress>(p =>
        {
            lock (started)
            {
                if (started.Add(p.File))
                {
                    LogDownloading(logger, p.File, p.Total);
                }
            }

            if (p.Total is long total && p.Done == total)
            {
                LogDownloaded(logger, p.File, total);
            }
        });
    }

    /// <summary>For <see cref="TrainingRun.Run"/>: at most one entry per <paramref name="every"/> steps, and the last step.</summary>
    public static IProgress<TrainingProgress> Training(ILogger logger, long every = 50)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        return new Reporter<TrainingProgress>(p =>
        {
            if (p.Step % every == 0 || p.Step == p.TotalSteps)
            {
                LogTrained(logger, p.Step, p.TotalSteps, p.Loss, p.SamplesPerSecond);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Done} of {Total} files")]
    private static partial void LogIndexed(ILogger logger, int done, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading {File} ({Bytes} bytes)")]
    private static partial void LogDownloading(ILogger logger, string file, long? bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {File} ({Bytes} bytes)")]
    private static partial void LogDownloaded(ILogger logger, string file, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training step {Step} of {Total}: loss {Loss:F4}, {SamplesPerSecond:F0} samples/s")]
    private static partial void LogTrained(ILogger logger, long step, long total, float loss, double samplesPerSecond);

    /// <summary>Reports on the caller's thread (unlike <see cref="Progress{T}"/>, which posts), so entries keep their order.</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

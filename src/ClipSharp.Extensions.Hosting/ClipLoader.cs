using System.Diagnostics;
using ClipSharp.Tensors;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Hosting;

/// <summary>Loads the shared model once, as the options say, and logs how long it took.</summary>
internal static partial class ClipLoader
{
    public static Clip Load(ClipOptions options, ILogger logger, CancellationToken cancellation = default)
    {
        if (options.Threads is int threads)
        {
            if (threads < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), threads, "Clip:Threads must be at least 1.");
            }

            Parallelism.MaxThreads = threads;
        }

        string path = options.ModelPath!;
        LogLoading(logger, path);
        long start = Stopwatch.GetTimestamp();
        Clip clip = Clip.Load(path, options.Vocab, cancellation);
        LogLoaded(logger, clip.Name, clip.EmbedDim, Stopwatch.GetElapsedTime(start).TotalSeconds);
        return clip;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading the CLIP model {Path}")]
    private static partial void LogLoading(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Model} ({Dimension}-dimensional embeddings) in {Seconds:F1} s")]
    private static partial void LogLoaded(ILogger logger, string model, int dimension, double seconds);
}

using System.CommandLine;
using System.Runtime.InteropServices;
using ClipSharp.Checkpoints;
using ClipSharp.Cli.Commands;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Text;
using ClipSharp.Training.Demo;

namespace ClipSharp.Cli;

/// <summary>The <c>clip</c> command: builds the command tree and turns every known failure into one line on stderr.</summary>
public static class ClipCli
{
    public const int ExitOk = 0;
    public const int ExitError = 1;
    public const int ExitUsage = 2;

    /// <summary>Stopped by SIGINT or SIGTERM (128 + SIGINT, as a shell reports an interrupted command).</summary>
    public const int ExitInterrupted = 130;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The first SIGINT (Ctrl+C) or SIGTERM asks the command to stop at a safe point; a second one ends the process.
        using var interrupt = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Interrupt(c, interrupt));
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Interrupt(c, interrupt));
        var context = new CliContext(stdout, stderr, interrupt.Token);
        var threads = new Option<int?>("--threads") { Description = "Threads for the compute kernels (default: all cores).", Recursive = true };
        RootCommand root = CreateRoot(context, threads);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                stderr.WriteLine($"clip: {error.Message}");
            }

            stderr.WriteLine("Run 'clip --help' for usage.");
            return ExitUsage;
        }

        try
        {
            int? threadCount = parsed.GetValue(threads);
            if (threadCount is not null)
            {
                if (threadCount < 1)
                {
                    throw new CliException($"--threads must be at least 1, got {threadCount}.");
                }

                Parallelism.MaxThreads = threadCount.Value;
            }

            return parsed.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            stderr.WriteLine("clip: interrupted.");
            return ExitInterrupted;
        }
        catch (Exception e) when (Describe(e) is string message)
        {
            stderr.WriteLine($"clip: error: {message}");
            return ExitError;
        }
    }

    private static void Interrupt(PosixSignalContext signal, CancellationTokenSource interrupt)
    {
        if (!interrupt.IsCancellationRequested)
        {
            signal.Cancel = true;
            interrupt.Cancel();
        }
    }

    /// <summary>The command tree: every command of <c>clip</c> under one root.</summary>
    internal static RootCommand CreateRoot(CliContext context, Option<int?> threads)
        => new("ClipSharp: CLIP image and text embeddings, similarity and zero-shot classification.")
        {
            threads,
            EmbedCommand.Create(context),
            SimilarityCommand.Create(context),
            ClassifyCommand.Create(context),
            TokenizeCommand.Create(context),
            InfoCommand.Create(context),
            TokenizerCommand.Create(context),
            ServeCommand.Create(context),
            ConvertCommand.Create(context),
            PullCommand.Create(context),
            DataCommand.Create(context),
            IndexCommand.Create(context),
            SearchCommand.Create(context),
            TagCommand.Create(context),
            AskCommand.Create(context),
            DemoCommand.Create(context),
            TrainCommand.Create(context),
            EvalCommand.Create(context),
            LocateCommand.Create(context),
            GenerateCommand.Create(context),
        };

    /// <summary>The one-line message for a failure the user can act on; null for a bug, which keeps its stack trace.</summary>
    private static string? Describe(Exception e) => e switch
    {
        CliException or ModelLoadException or CheckpointFormatException or ImageDecodeException
            or StateDictMismatchException or FileNotFoundException or DirectoryNotFoundException
            or InvalidDataException or UnauthorizedAccessException or DemoTooSlowException => e.Message,
        IOException => e.Message,
        ArgumentException when e.TargetSite?.DeclaringType?.Namespace?.StartsWith("ClipSharp", StringComparison.Ordinal) == true => e.Message,
        _ => null,
    };

    internal static ClipTokenizer LoadTokenizer(string? vocab, string? model)
    {
        if (vocab is not null)
        {
            return Clip.OpenTokenizer(TokenizerFiles.Locate(vocab));
        }

        if (model is not null)
        {
            return Clip.OpenTokenizer(ModelFolder.Load(model).Tokenizer);
        }

        throw new CliException("give --vocab (bpe_simple_vocab_16e6.txt.gz, or a folder with vocab.json and merges.txt) or --model PATH.");
    }
}

using Spectre.Console;

namespace ClipSharp.Cli;

/// <summary>
/// Where a command writes: data (JSON, ids) to stdout so that it can be piped; tables, progress and
/// diagnostics to stderr through Spectre.Console.
/// </summary>
internal sealed class CliContext
{
    public CliContext(TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default)
    {
        Out = stdout;
        Error = stderr;
        Cancellation = cancellation;
        bool interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        Ui = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stderr),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Redirected output keeps full rows instead of wrapping at a guessed width.
            Ui.Profile.Width = 200;
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public IAnsiConsole Ui { get; }

    /// <summary>Cancelled by the first Ctrl+C (SIGINT) or SIGTERM: long commands stop at a safe point.</summary>
    public CancellationToken Cancellation { get; }

    public bool Interactive => Ui.Profile.Capabilities.Interactive;

    /// <summary>A non-fatal problem with one input: the batch goes on.</summary>
    public void Warn(string message) => Error.WriteLine($"clip: {message}");
}

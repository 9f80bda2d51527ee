using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Failures are one line each, never a .NET stack trace.</summary>
    public void AssertNoStackTrace()
    {
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", Stderr, StringComparison.Ordinal);
    }
}

internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = ClipCli.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The reference-layout fixture model (random weights, real vocabulary) with its vocabulary, or a skip.</summary>
    public static string[] OpenAiModelArgs()
        => ["--model", Fixtures.GoldenPath("hf", "openai"), "--vocab", Fixtures.RequireVocab(Fixtures.OpenAiMerges)];

    /// <summary>The tiny fixture model with the tiny vocabulary that ships with the repository: runs on any clone.</summary>
    public static string[] TinyModelArgs() => ["--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab];

    public static string Image(string name) => Fixtures.GoldenPath("preprocess", name);
}

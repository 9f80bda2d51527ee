using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary>The README's first command must keep working on a fresh clone (no third-party vocabulary needed).</summary>
public sealed class ReadmeCommandTests
{
    [Fact]
    public void TheMainJobCommandOfTheReadmeRuns()
    {
        string readme = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "README.md"));
        string line = readme.Split('\n').First(l => l.StartsWith("dotnet run --project src/ClipSharp.Cli", StringComparison.Ordinal));
        string[] args = line[(line.IndexOf(" -- ", StringComparison.Ordinal) + 4)..].Trim().Split(' ');

        // Relative paths in the README are relative to the repository root; quoted labels lose their quotes.
        string[] resolved = [.. args.Select(a => a.Trim('"')).Select(a => a.StartsWith("tests/", StringComparison.Ordinal) ? Path.Combine(Fixtures.RepoRoot, a) : a)];
        CliResult r = CliRunner.Run(resolved);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("probability", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("square_224x224.png", r.Stderr, StringComparison.Ordinal);
    }
}

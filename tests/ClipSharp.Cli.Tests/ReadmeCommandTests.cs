using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary>The README's commands must keep working on a fresh clone (no third-party vocabulary needed).</summary>
public sealed class ReadmeCommandTests
{
    [Fact]
    public void TheMainJobIsTheDemoAndItRuns()
    {
        string[] args = ReadmeCommand(0);
        Assert.Equal(["demo"], args);

        // The same command, shortened: a few steps on a few images instead of the ten-minute budget.
        string folder = Directory.CreateTempSubdirectory("clipsharp-readme-demo-").FullName;
        try
        {
            CliResult r = CliRunner.Run(
                [.. args, "--out", Path.Combine(folder, "demo"), "--steps", "3", "--train-count", "200", "--eval-per-class", "2", "--batch", "16", "--json"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("\"seen_top1\"", r.StdoutLines[^1], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TheQuickLookClassifiesWithTheShippedFixtureModel()
    {
        string[] args = ReadmeCommand(1);
        Assert.Equal("classify", args[0]);

        // Relative paths in the README are relative to the repository root; quoted labels lose their quotes.
        string[] resolved = [.. args.Select(a => a.Trim('"')).Select(a => a.StartsWith("tests/", StringComparison.Ordinal) ? Path.Combine(Fixtures.RepoRoot, a) : a)];
        CliResult r = CliRunner.Run(resolved);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("probability", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("square_224x224.png", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The arguments of the n-th <c>dotnet run --project src/ClipSharp.Cli</c> line of the README.</summary>
    private static string[] ReadmeCommand(int n)
    {
        string readme = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "README.md"));
        string line = readme.Split('\n').Where(l => l.StartsWith("dotnet run --project src/ClipSharp.Cli", StringComparison.Ordinal)).ElementAt(n);
        return line[(line.IndexOf(" -- ", StringComparison.Ordinal) + 4)..].Trim().Split(' ');
    }
}

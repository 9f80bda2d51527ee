namespace ClipSharp.Cli.Tests;

public sealed class ErrorHandlingTests
{
    [Fact]
    public void AMissingModelIsOneLineNamingThePath()
    {
        CliResult r = CliRunner.Run("embed", "--model", "/no/such/model", "--text", "hello");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/no/such/model", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }

    [Fact]
    public void AFolderWithoutAModelIsOneLine()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-empty-").FullName;
        try
        {
            CliResult r = CliRunner.Run("info", "--model", folder);
            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("clip: error: ", r.Stderr, StringComparison.Ordinal);
            Assert.Contains(folder, r.Stderr, StringComparison.Ordinal);
            r.AssertNoStackTrace();
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void ACorruptWeightsFileIsOneLine()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-corrupt-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "weights.safetensors"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
            CliResult r = CliRunner.Run("info", "--model", folder);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("weights.safetensors", r.Stderr, StringComparison.Ordinal);
            r.AssertNoStackTrace();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void UsageErrorsExitWithTwo()
    {
        CliResult r = CliRunner.Run("embed", "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--no-such-option", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.Run("no-such-command").ExitCode);
    }

    [Fact]
    public void HelpListsTheCommands()
    {
        CliResult r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        foreach (string command in new[] { "embed", "similarity", "classify", "tokenize", "info" })
        {
            Assert.Contains(command, r.Stdout, StringComparison.Ordinal);
        }
    }
}

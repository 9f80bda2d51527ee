namespace ClipSharp.Distributed.Tests;

/// <summary>
/// A rank that fails in the middle of training ends the job on every rank, with the failing rank named, and never
/// leaves the others waiting: each job runs under a timeout that would report a hang.
/// </summary>
public sealed class RankFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly GoldenJob _job = new();

    public void Dispose() => _job.Dispose();

    [Fact]
    public void ARankThatThrowsEndsTheJobWithOneMessageNamingIt()
    {
        MpiJob.Result result = MpiJob.Ranks(3, _job.ModelFolder, _job.Inputs, "4", "none", _job.Folder("out"), "1", "throw");
        output.WriteLine(result.Output);
        Assert.False(result.TimedOut, "the job hung after rank 1 failed");
        Assert.NotEqual(0, result.ExitCode);
        string line = "clip: rank 1 of 3 failed, ending the job: InvalidDataException: a planted failure in this rank's data";
        Assert.Single(result.Output.Split('\n'), l => l.Trim() == line);
        Assert.DoesNotContain("rank 0 of 3 failed", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("rank 2 of 3 failed", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_job.Folder("out"), "rank0.safetensors")));
    }

    [Fact]
    public void ARankKilledBySigkillEndsTheJobNamingIt()
    {
        MpiJob.Result result = MpiJob.Ranks(3, _job.ModelFolder, _job.Inputs, "4", "none", _job.Folder("out"), "2", "kill");
        output.WriteLine(result.Output);
        Assert.False(result.TimedOut, "the job hung after rank 2 was killed");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rank 2", result.Output, StringComparison.Ordinal);
        Assert.Contains("signal 9", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void DistributedModeWithoutAnMpiLibraryIsOneClearLine()
    {
        MpiJob.Result result = MpiJob.Single(
            new Dictionary<string, string> { ["OMPI_COMM_WORLD_SIZE"] = "2", [MpiLibraryVariable] = "/nonexistent/libmpi.so.40" },
            _job.ModelFolder, _job.Inputs, "1", "none", _job.Folder("out"));
        output.WriteLine(result.Output);
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("clip: distributed mode needs an MPI library", line, StringComparison.Ordinal);
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", line, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutALauncherTheProcessIsASingleRankAndNeedsNoMpi()
    {
        MpiJob.Result result = MpiJob.Single(
            new Dictionary<string, string> { [MpiLibraryVariable] = "/nonexistent/libmpi.so.40" },
            _job.ModelFolder, _job.Inputs, "1", "none", _job.Folder("out"));
        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(_job.Folder("out"), "rank0.safetensors")), result.Output);
    }

    private const string MpiLibraryVariable = "CLIPSHARP_MPI_LIBRARY";
}

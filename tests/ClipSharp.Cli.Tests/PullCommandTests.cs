using System.Net;
using System.Net.Sockets;

namespace ClipSharp.Cli.Tests;

/// <summary><c>clip pull</c> failures are one line naming the repository and file.</summary>
public sealed class PullCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-pull-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AnUnreachableHubIsOneLineNamingTheRepository()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        CliResult r = CliRunner.Run("pull", "someone/clip-model", "--endpoint", $"http://127.0.0.1:{port}", "--dir", _dir);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("clip: error: someone/clip-model: config.json: cannot reach", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void ABadRepositoryNameIsRefused()
    {
        CliResult r = CliRunner.Run("pull", "../../etc", "--dir", _dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("is not a hub repository name", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }
}

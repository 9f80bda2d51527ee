using System.Diagnostics;
using System.Net.Sockets;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary>The real <c>clip serve</c> process: it answers, and it stops cleanly when asked to (SIGTERM, as service managers do).</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task ServeAnswersAndExitsOnSigterm()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM is a POSIX signal.");
        string clipDll = Path.Combine(AppContext.BaseDirectory, "clip.dll");
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { clipDll, "serve", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? health = null;
            for (int attempt = 0; attempt < 120 && health is null; attempt++)
            {
                try
                {
                    health = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz"), TestContext.Current.CancellationToken);
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250, TestContext.Current.CancellationToken);
                }
            }

            Assert.Contains("\"status\":\"ok\"", health, StringComparison.Ordinal);
            Assert.Equal(0, Kill(process.Id, "TERM"));
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "clip serve did not stop on SIGTERM.");
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static int Kill(int pid, string signal)
    {
        using Process kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        return kill.ExitCode;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

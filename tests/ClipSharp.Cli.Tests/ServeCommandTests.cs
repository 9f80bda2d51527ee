using System.Diagnostics;
using System.Net.Sockets;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

/// <summary>
/// The real <c>clip serve</c> process: it answers, takes its API key from the environment, and stops cleanly when
/// asked to (SIGTERM, as service managers do). It refuses to face a network anonymously unless told to.
/// </summary>
public sealed class ServeCommandTests
{
    private const string Key = "correct-horse-battery-staple-42";

    [Fact]
    public void ServeRefusesANetworkHostWithoutAKey()
    {
        CliResult r = CliRunner.Run(["serve", "--host", "0.0.0.0", "--port", "0", .. CliRunner.TinyModelArgs()]);
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        Assert.Contains("0.0.0.0", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--api-key", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-anonymous", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("--api-key", "short", "16 characters")]
    [InlineData("--cors-origin", "https://app.example.com/page", "not an origin")]
    [InlineData("--rate-limit", "-1", "--rate-limit")]
    [InlineData("--max-locate-embeddings", "-1", "--max-locate-embeddings")]
    public void ServeRefusesBadSecurityOptions(string flag, string value, string message)
    {
        CliResult r = CliRunner.Run(["serve", flag, value, "--port", "0", .. CliRunner.TinyModelArgs()]);
        Assert.Equal(ClipCli.ExitError, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }

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
            Environment = { ["CLIPSHARP_API_KEY"] = Key },
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
            var embeddings = new Uri($"http://127.0.0.1:{port}/v1/embeddings");
            using (var anonymous = new StringContent("""{"texts": ["a"]}""", System.Text.Encoding.UTF8, "application/json"))
            {
                using HttpResponseMessage refused = await http.PostAsync(embeddings, anonymous, TestContext.Current.CancellationToken);
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using (var request = new HttpRequestMessage(HttpMethod.Post, embeddings) { Content = new StringContent("""{"texts": ["a"]}""", System.Text.Encoding.UTF8, "application/json") })
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
                using HttpResponseMessage answered = await http.SendAsync(request, TestContext.Current.CancellationToken);
                Assert.Equal(System.Net.HttpStatusCode.OK, answered.StatusCode);
            }

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

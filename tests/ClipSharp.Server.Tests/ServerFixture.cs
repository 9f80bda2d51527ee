using ClipSharp.Testing;

namespace ClipSharp.Server.Tests;

/// <summary>One server on a free loopback port, with the tiny fixture model, shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private ClipServer? _server;

    public Clip Clip { get; } = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab);

    public HttpClient Http { get; private set; } = new();

    public static ClipServerOptions Options { get; } = new() { Port = 0, MaxBatchItems = 8, MaxUploadBytes = 2 * 1024 * 1024 };

    public async ValueTask InitializeAsync()
    {
        _server = ClipServer.Create(Clip, Options);
        await _server.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(_server.Urls[0]), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

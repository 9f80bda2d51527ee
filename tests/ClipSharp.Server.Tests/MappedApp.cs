using ClipSharp.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Server.Tests;

/// <summary>
/// The API mapped into an application of its own, as a user would: a fresh WebApplication on Kestrel (loopback, a
/// free port) with <c>AddClipServer</c>, the middleware the API's options rely on, and <c>MapClipEndpoints</c>.
/// </summary>
internal sealed class MappedApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MappedApp(WebApplication app, Clip clip, Uri address)
    {
        _app = app;
        Clip = clip;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Clip Clip { get; }

    public HttpClient Http { get; }

    public Uri BaseAddress => Http.BaseAddress!;

    public IServiceProvider Services => _app.Services;

    public static async Task<MappedApp> StartAsync(ClipServerOptions options, IDictionary<string, string?>? configuration = null)
    {
        Clip clip = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.Services.AddClipServer(clip, options);
        WebApplication app = builder.Build();
        app.UseCors();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.MapClipEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new MappedApp(app, clip, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.DisposeAsync();
    }
}

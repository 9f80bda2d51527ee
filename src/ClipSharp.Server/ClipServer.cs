using System.Text.Json;
using ClipSharp.Search;
using ClipSharp.Server.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Server;

/// <summary>The ClipSharp HTTP API: an ASP.NET Core minimal API over one loaded model.</summary>
public sealed class ClipServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ClipServer(WebApplication app) => _app = app;

    /// <summary>The addresses the server listens on, once started.</summary>
    public IReadOnlyList<string> Urls
        => [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    public static ClipServer Create(Clip clip, ClipServerOptions? options = null, Action<ILoggingBuilder>? logging = null)
        => Create(clip, index: null, options, logging);

    /// <summary>
    /// A server that also searches <paramref name="index"/> and serves its images. The caller keeps ownership of
    /// the index (dispose it after the server). Fails with <see cref="SearchIndexException"/> when the index was
    /// built by another model.
    /// </summary>
    public static ClipServer Create(Clip clip, SearchIndex? index, ClipServerOptions? options = null, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        options ??= new ClipServerOptions();
        index?.RequireModel(ModelIdentity.Compute(clip), clip.Name);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes);
        builder.Services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = options.MaxUploadBytes);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new ModelGate(clip));
        builder.Services.AddSingleton<ClassifierCache>();
        builder.Services.AddSingleton<TaggerCache>();
        builder.Services.AddSingleton(new ServedIndex(index));
        builder.Services.AddSingleton(new ThumbnailCache(options.ThumbnailCacheBytes));
        builder.Services.AddRequestTimeouts(t => t.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = options.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
        });
        builder.Services.AddOpenApi();

        WebApplication app = builder.Build();
        app.UseMiddleware<ErrorResponses>();
        app.UseStatusCodePages(async context =>
        {
            // Unmatched routes and methods answer in the same JSON shape as every other error.
            HttpResponse r = context.HttpContext.Response;
            if (r.ContentLength is null && r.ContentType is null)
            {
                await ErrorResponses.Write(context.HttpContext, r.StatusCode, r.StatusCode == 404 ? "not_found" : "http_" + r.StatusCode, $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path}: {ReasonPhrase(r.StatusCode)}.");
            }
        });
        app.UseRequestTimeouts();
        app.MapOpenApi("/openapi/{documentName}.json");
        HealthEndpoints.Map(app);
        EmbeddingEndpoints.Map(app);
        ClassifyEndpoints.Map(app);
        TagEndpoints.Map(app);
        SearchEndpoints.Map(app);
        ImageEndpoints.Map(app);
        PageEndpoints.Map(app);
        return new ClipServer(app);
    }

    public Task StartAsync(CancellationToken cancel = default) => _app.StartAsync(cancel);

    /// <summary>Serves until the token is cancelled or the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public async Task RunAsync(CancellationToken cancel = default)
    {
        await _app.StartAsync(cancel);
        await _app.WaitForShutdownAsync(cancel);
    }

    /// <summary>
    /// After <see cref="StartAsync"/>: completes when the token is cancelled or the host is asked to stop. The host
    /// owns SIGTERM and Ctrl+C once started, so a caller waiting on its own token alone would never see them.
    /// </summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    public Task StopAsync(CancellationToken cancel = default) => _app.StopAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        // The container does not own instances it was handed, so they are disposed here, after the app.
        ModelGate gate = _app.Services.GetRequiredService<ModelGate>();
        ThumbnailCache thumbnails = _app.Services.GetRequiredService<ThumbnailCache>();
        await _app.DisposeAsync();
        gate.Dispose();
        thumbnails.Dispose();
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } p ? p.ToLowerInvariant() : "error";
}

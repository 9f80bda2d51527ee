using System.Net;
using System.Text.Json;
using ClipSharp.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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
    /// built by another model, and with <see cref="AnonymousExposureException"/> when <see cref="ClipServerOptions.Host"/>
    /// is not loopback, no API key is set and <see cref="ClipServerOptions.AllowAnonymous"/> is not either. A thin host
    /// over <see cref="ClipServerServiceCollectionExtensions.AddClipServer(Microsoft.Extensions.DependencyInjection.IServiceCollection, Clip, SearchIndex?, ClipServerOptions?)"/>
    /// and <see cref="ClipEndpointRouteBuilderExtensions.MapClipEndpoints"/>.
    /// </summary>
    public static ClipServer Create(Clip clip, SearchIndex? index, ClipServerOptions? options = null, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        options ??= new ClipServerOptions();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{UrlHost(options.Host)}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes);
        builder.Services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = options.MaxUploadBytes);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);

        // The responses are snake_case whatever the host says; this makes the OpenAPI document say so too.
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddClipServer(clip, index, options);
        builder.Services.AddOpenApi();

        WebApplication app = builder.Build();
        try
        {
            if (!app.Services.GetRequiredService<ApiKeyCheck>().Enabled && !options.AllowAnonymous && !IsLoopback(options.Host))
            {
                throw new AnonymousExposureException(options.Host);
            }
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Only what escapes the endpoints' own handling (a failure while a result is written) gets here.
            ExceptionHandler = context => ClipProblems.WriteAsync(context, StatusCodes.Status500InternalServerError, "internal", "internal error; see the server log."),
        });
        app.UseStatusCodePages(context =>
        {
            // Unmatched routes and methods answer as problems too, like every other error.
            HttpResponse r = context.HttpContext.Response;
            return r.ContentLength is null && r.ContentType is null
                ? ClipProblems.WriteAsync(context.HttpContext, r.StatusCode, StatusCode(r.StatusCode), StatusDetail(context.HttpContext))
                : Task.CompletedTask;
        });
        app.UseCors();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapClipEndpoints();
        return new ClipServer(app);
    }

    /// <summary>Whether only this machine can reach <paramref name="host"/>: a loopback address or "localhost".</summary>
    public static bool IsLoopback(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        string bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Whether the API endpoints require the API key (from the options, the configuration or the environment).</summary>
    public bool RequiresApiKey => _app.Services.GetRequiredService<ApiKeyCheck>().Enabled;

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

    // The container owns the gate and the thumbnail cache; the model and the index stay the caller's.
    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static string UrlHost(string host) => IPAddress.TryParse(host, out IPAddress? a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    private static string StatusCode(int status) => status switch
    {
        StatusCodes.Status404NotFound => "not_found",

        // Routing refuses a body the endpoint does not accept before the endpoint runs.
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        _ => "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string StatusDetail(HttpContext context)
    {
        string what = $"{context.Request.Method} {context.Request.Path}";
        return context.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType
            ? $"{what}: send application/json or multipart/form-data."
            : $"{what}: {ReasonPhrase(context.Response.StatusCode)}.";
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } p ? p.ToLowerInvariant() : "error";
}

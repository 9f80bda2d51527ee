using ClipSharp.Search;
using ClipSharp.Server.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ClipSharp.Server;

/// <summary>Registers the ClipSharp HTTP API in an application's services; map it with <c>app.MapClipEndpoints()</c>.</summary>
public static class ClipServerServiceCollectionExtensions
{
    public static IServiceCollection AddClipServer(this IServiceCollection services, Clip clip, ClipServerOptions? options = null)
        => services.AddClipServer(clip, index: null, options);

    /// <summary>
    /// The API over <paramref name="clip"/>, also searching <paramref name="index"/> and serving its images. The caller
    /// keeps ownership of the model and the index (dispose the index after the app). Fails with
    /// <see cref="SearchIndexException"/> when the index was built by another model. CORS, the rate limit and the
    /// request timeout take effect through <c>UseCors</c>, <c>UseRateLimiter</c> and <c>UseRequestTimeouts</c>.
    /// </summary>
    public static IServiceCollection AddClipServer(this IServiceCollection services, Clip clip, SearchIndex? index, ClipServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(clip);
        options ??= new ClipServerOptions();
        Check(options);
        index?.RequireModel(ModelIdentity.Compute(clip), clip.Name);
        services.AddSingleton(options);
        services.AddSingleton(_ => new ModelGate(clip, options.ModelQueueCapacity));
        services.AddSingleton<ClassifierCache>();
        services.AddSingleton<TaggerCache>();
        services.AddSingleton(new ServedIndex(index));
        services.AddSingleton(_ => new ThumbnailCache(options.ThumbnailCacheBytes));
        services.AddSingleton(sp => ApiKeyCheck.Create(options, sp.GetService<IConfiguration>()));
        services.AddHealthChecks().AddCheck<ClipHealthCheck>("clipsharp", tags: [HealthEndpoints.Tag]);
        services.AddRequestTimeouts(t => t.AddPolicy(ClipEndpointRouteBuilderExtensions.TimeoutPolicy, new RequestTimeoutPolicy
        {
            Timeout = options.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
        }));

        // Registered even when off, so that UseRateLimiter works either way; endpoints use it only when on.
        services.AddRateLimiter(r => r.AddPolicy<string, ClipRateLimitPolicy>(ClipRateLimitPolicy.Name));

        // The services always, so UseCors works; a policy only with origins, so CORS stays off by default.
        services.AddCors();
        if (options.CorsOrigins.Count > 0)
        {
            services.AddCors(c => c.AddPolicy(ClipEndpointRouteBuilderExtensions.CorsPolicy, p => p
                .WithOrigins([.. options.CorsOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders("Authorization", "Content-Type")
                .WithExposedHeaders("Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        }

        return services;
    }

    private static void Check(ClipServerOptions options)
    {
        if (options.ModelQueueCapacity < 0)
        {
            throw new ClipServerOptionsException($"ModelQueueCapacity must be 0 or more, got {options.ModelQueueCapacity}.");
        }

        if (options.RateLimitPermits < 0 || (options.RateLimitPermits > 0 && options.RateLimitWindow <= TimeSpan.Zero))
        {
            throw new ClipServerOptionsException($"RateLimitPermits must be 0 (off) or more with a positive RateLimitWindow, got {options.RateLimitPermits} per {options.RateLimitWindow}.");
        }

        if (options.MaxLocatePrompts < 1 || options.MaxLocatePixels < 1)
        {
            throw new ClipServerOptionsException($"MaxLocatePrompts and MaxLocatePixels must be at least 1, got {options.MaxLocatePrompts} and {options.MaxLocatePixels}.");
        }

        if (options.MaxLocateEmbeddings < 0)
        {
            throw new ClipServerOptionsException($"MaxLocateEmbeddings must be 0 (off) or more, got {options.MaxLocateEmbeddings}.");
        }

        if (options.ApiKey is not null)
        {
            // The same check as for a key from configuration, but at registration.
            _ = ApiKeyCheck.Create(options, configuration: null);
        }

        foreach (string origin in options.CorsOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || origin.EndsWith('/'))
            {
                throw new ClipServerOptionsException($"CORS origin '{origin}' is not an origin: give scheme://host[:port], e.g. https://app.example.com.");
            }
        }
    }
}

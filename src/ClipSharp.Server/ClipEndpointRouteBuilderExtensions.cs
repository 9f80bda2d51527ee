using ClipSharp.Server.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ClipSharp.Server;

/// <summary>Maps the ClipSharp HTTP API, registered with <c>services.AddClipServer(...)</c>, into an application.</summary>
public static class ClipEndpointRouteBuilderExtensions
{
    internal const string TimeoutPolicy = "ClipSharp.Server";
    internal const string CorsPolicy = "ClipSharp.Server";

    /// <summary>
    /// The API under <c>/v1</c> (behind the API key when one is set, the rate limit and CORS when configured),
    /// <c>/healthz</c>, and the search page at <c>/</c>. The returned group takes further conventions for all of them.
    /// </summary>
    public static RouteGroupBuilder MapClipEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ClipServerOptions options = endpoints.ServiceProvider.GetService<ClipServerOptions>()
            ?? throw new InvalidOperationException("the ClipSharp API is not registered: call services.AddClipServer(clip, ...) before app.MapClipEndpoints().");

        // Resolved now so that a bad key from configuration fails at startup, not on the first request.
        _ = endpoints.ServiceProvider.GetRequiredService<ApiKeyCheck>();
        RouteGroupBuilder root = endpoints.MapGroup(string.Empty);
        HealthEndpoints.Map(root);

        // The page is three static files with no data in them; it stays anonymous so a browser can load it and
        // then call the API with the key.
        PageEndpoints.Map(root);

        RouteGroupBuilder api = root.MapGroup(string.Empty);
        api.AddEndpointFilter<ProblemFilter>();
        api.AddEndpointFilter<ApiKeyFilter>();
        api.WithRequestTimeout(TimeoutPolicy);
        if (options.RateLimitPermits > 0)
        {
            api.RequireRateLimiting(ClipRateLimitPolicy.Name);
        }

        if (options.CorsOrigins.Count > 0)
        {
            api.RequireCors(CorsPolicy);
        }

        api.ProducesProblem(StatusCodes.Status400BadRequest);
        EmbeddingEndpoints.Map(api);
        ClassifyEndpoints.Map(api);
        TagEndpoints.Map(api);
        SearchEndpoints.Map(api);
        ImageEndpoints.Map(api);
        LocateEndpoints.Map(api);
        return root;
    }
}

using ClipSharp.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// GET /healthz through ASP.NET Core health checks, answering which model is loaded and the index if there is one.
/// It stays anonymous even when the API has a key: load balancers and orchestrators probe without credentials,
/// and it tells no more than the model name, its dimension and the number of entries.
/// </summary>
internal static class HealthEndpoints
{
    public const string Tag = "clipsharp";

    public static void Map(IEndpointRouteBuilder app)
        => app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(Tag),
            ResponseWriter = WriteAsync,
        });

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ModelGate gate = context.RequestServices.GetRequiredService<ModelGate>();
        ServedIndex served = context.RequestServices.GetRequiredService<ServedIndex>();
        var health = new Health(
            report.Status == HealthStatus.Healthy ? "ok" : report.Status.ToString().ToLowerInvariant(),
            gate.Clip.Name,
            gate.Clip.EmbedDim,
            served.Index is SearchIndex i ? new IndexHealth(i.Count, i.Kind == EntryKind.Image ? "image" : "text", i.Engine.ToString().ToLowerInvariant()) : null);
        return context.Response.WriteAsJsonAsync(health, ClipJson.Options);
    }
}

/// <summary>Healthy while the model queue has room; degraded (still 200) while it is full and refusing requests.</summary>
internal sealed class ClipHealthCheck(ModelGate gate) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(gate.Pending > gate.Capacity
            ? HealthCheckResult.Degraded($"the model queue is full ({gate.Capacity} waiting).")
            : HealthCheckResult.Healthy());
}

internal sealed record IndexHealth(int Entries, string Kind, string Engine);

internal sealed record Health(string Status, string Model, int Dim, IndexHealth? Index);

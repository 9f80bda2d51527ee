using ClipSharp.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/healthz", (ModelGate gate, ServedIndex served) => Results.Ok(new Health(
                "ok",
                gate.Clip.Name,
                gate.Clip.EmbedDim,
                served.Index is SearchIndex i ? new IndexHealth(i.Count, i.Kind == EntryKind.Image ? "image" : "text", i.Engine.ToString().ToLowerInvariant()) : null)))
            .WithName("Health")
            .WithSummary("Liveness, which model is loaded, and the index if there is one");
}

internal sealed record IndexHealth(int Entries, string Kind, string Engine);

internal sealed record Health(string Status, string Model, int Dim, IndexHealth? Index);

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/healthz", (ModelGate gate) => Results.Ok(new Health("ok", gate.Clip.Name, gate.Clip.EmbedDim)))
            .WithName("Health")
            .WithSummary("Liveness, and which model is loaded");
}

internal sealed record Health(string Status, string Model, int Dim);

using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>The search page: three small files embedded in this assembly, so the server needs nothing on disk.</summary>
internal static class PageEndpoints
{
    // Everything the page loads comes from this server; images may also be previews the page makes itself.
    private const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder app)
    {
        MapAsset(app, "/", "index.html", "text/html; charset=utf-8");
        MapAsset(app, "/app.js", "app.js", "text/javascript; charset=utf-8");
        MapAsset(app, "/app.css", "app.css", "text/css; charset=utf-8");
    }

    private static void MapAsset(IEndpointRouteBuilder app, string route, string name, string contentType)
    {
        byte[] content = Read(name);
        app.MapGet(route, (HttpResponse response) =>
            {
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, contentType);
            })
            .ExcludeFromDescription();
    }

    private static byte[] Read(string name)
    {
        Assembly assembly = typeof(PageEndpoints).Assembly;
        using Stream stream = assembly.GetManifestResourceStream("ClipSharp.Server.Web." + name)
            ?? throw new InvalidOperationException($"the page asset {name} is not embedded in {assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

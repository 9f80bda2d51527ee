using ClipSharp.Imaging;
using ClipSharp.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server.Endpoints;

/// <summary>GET /v1/images/{id} and its thumbnail: only files that are entries of the index, found by id.</summary>
internal static class ImageEndpoints
{
    private const int DefaultThumbnailSize = 256;
    private const int MinThumbnailSize = 16;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/images/{id}", Original)
            .WithName("GetImage")
            .WithSummary("The original file of an indexed image")
            .Produces(StatusCodes.Status200OK, null, "image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp");
        app.MapGet("/v1/images/{id}/thumbnail", Thumbnail)
            .WithName("GetThumbnail")
            .WithSummary("A JPEG thumbnail of an indexed image")
            .WithDescription("?size=N (16 to the server's limit, default 256): the longest side in pixels; smaller images are not enlarged.")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg");
    }

    private static IResult Original(string id, ServedIndex served)
    {
        IndexEntry entry = served.Entry(id);
        FileInfo file = served.ImageFile(entry);
        string mime;
        try
        {
            mime = MimeType(ImageDecoder.Peek(file.FullName).Format);
        }
        catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException)
        {
            throw ApiException.NotFound($"the image of entry {entry.Id} is no longer readable.");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ApiException.NotFound($"the image of entry {entry.Id} is no longer readable.");
        }

        return Results.File(stream, mime, lastModified: file.LastWriteTimeUtc, enableRangeProcessing: true);
    }

    private static IResult Thumbnail(string id, HttpRequest request, HttpResponse response, ServedIndex served, ThumbnailCache thumbnails, ClipServerOptions options)
    {
        IndexEntry entry = served.Entry(id);
        int size = ServerQuery.Integer(request, "size", DefaultThumbnailSize, MinThumbnailSize, options.MaxThumbnailSize);
        FileInfo file = served.ImageFile(entry);
        byte[] jpeg = thumbnails.Get(entry, file, size);
        response.Headers[HeaderNames.CacheControl] = "private, max-age=300";
        return Results.Bytes(jpeg, "image/jpeg");
    }

    private static string MimeType(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Png => "image/png",
        ImageFileFormat.Jpeg => "image/jpeg",
        ImageFileFormat.WebP => "image/webp",
        ImageFileFormat.Gif => "image/gif",
        ImageFileFormat.Bmp => "image/bmp",
        _ => "application/octet-stream",
    };
}

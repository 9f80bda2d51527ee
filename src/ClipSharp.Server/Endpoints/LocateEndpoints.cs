using ClipSharp.Imaging;
using ClipSharp.Localization;
using ClipSharp.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// POST /v1/locate: where in one image (uploaded, or an indexed entry's) each prompt matches, as the library's
/// <see cref="LocateReport"/> or as its overlay picture. Everything is checked before the model gate; the heat maps
/// are made under it and the PNG drawn after it.
/// </summary>
internal static class LocateEndpoints
{
    public const string Png = "image/png";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/locate", LocateAsync)
            .WithName("Locate")
            .WithSummary("Where in an image each prompt matches: heat-map peaks, boxes and masks, or the overlay picture")
            .WithDescription(
                "JSON {\"image\": base64 | \"id\": ID, \"prompts\": [...], \"method\": \"dense\"|\"gradient\"|\"occlusion\", \"threshold\": 0.5, \"format\": \"json\"|\"png\", \"size\": 320, \"stride\": 16} "
                + "or multipart/form-data with one image file (or an 'id' field) and 'prompt' fields. 'format' (a field or in the query) "
                + "or Accept: image/png answers with the overlay PNG instead of the JSON report; 'size' (16 to the thumbnail limit) locates in the "
                + "image scaled to fit a size x size box (never enlarged), as previews want. 'stride' (occlusion only, a divisor of the model's input size) "
                + "sets the step between occluders; a request costing more image embeddings than the server allows is 422 locate_too_costly.")
            .Accepts<LocateRequest>("application/json", "multipart/form-data")
            .Produces<LocateReport>()
            .Produces(StatusCodes.Status200OK, contentType: Png)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .DisableAntiforgery();
    }

    private static async Task<IResult> LocateAsync(
        HttpRequest request, ModelGate gate, ServedIndex served, ClipServerOptions options, CancellationToken cancel)
    {
        RequestInputs inputs = await RequestInputs.ReadAsync(request, options, cancel);
        LocateQuery query = LocateQuery.Read(inputs, request, options);
        ClipLocator locator = Locator(gate.Clip, query);
        LocateCost.Check(locator, query.Prompts.Count, options);
        // Scaled first, the heat maps are the box's size, so only the full size needs the pixel limit.
        long maxPixels = query.Size is null ? options.MaxLocatePixels : long.MaxValue;
        (string name, DecodedImage full) = Image(inputs, request, served, maxPixels);
        DecodedImage image = query.Size is int size ? ImageFit.Within(full, size) : full;
        IReadOnlyList<PromptLocation> located = await gate.RunAsync(_ => locator.Locate(image, query.Prompts, threshold: query.Threshold), cancel);
        return query.Picture
            ? Results.Bytes(LocalizationOverlay.Render(image, located), Png)
            : ClipJson.Ok(LocateReport.Create(name, located));
    }

    /// <summary>The uploaded image, or the indexed entry's: exactly one of them, within the pixel limit.</summary>
    private static (string Name, DecodedImage Image) Image(RequestInputs inputs, HttpRequest request, ServedIndex served, long maxPixels)
    {
        string? id = inputs.Field("id") ?? ServerQuery.Value(request, "id");
        if (inputs.Images.Count + (id is null ? 0 : 1) != 1)
        {
            throw ApiException.BadRequest(
                $"give exactly one image to look at, uploaded as 'image' or named by an indexed entry's 'id'; got {inputs.Images.Count} images and {(id is null ? "no" : "an")} id.");
        }

        if (id is null)
        {
            ImageUpload upload = inputs.Images[0];
            CheckPixels(ImageDecoder.Peek(upload.Data, upload.Name), upload.Name, maxPixels);
            return (upload.Name, ImageDecoder.Decode(upload.Data, upload.Name));
        }

        IndexEntry entry = served.Entry(id);
        FileInfo file = served.ImageFile(entry);
        string name = Path.GetFileName(entry.Source);
        ImageInfo info;
        try
        {
            info = ImageDecoder.Peek(file.FullName);
        }
        catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException)
        {
            // The decoder's message holds the server's path, which a client never hears.
            throw ApiException.NotFound($"the image of entry {entry.Id} is no longer readable.");
        }

        CheckPixels(info, $"entry {entry.Id} ({name})", maxPixels);
        try
        {
            return (name, ImageDecoder.Decode(file.FullName));
        }
        catch (ImageDecodeException)
        {
            throw ApiException.NotFound($"the image of entry {entry.Id} is no longer readable.");
        }
    }

    private static void CheckPixels(ImageInfo info, string name, long maxPixels)
    {
        if ((long)info.Width * info.Height > maxPixels)
        {
            throw ApiException.TooLarge(
                $"{name} is {info.Width} x {info.Height} pixels; locating works on at most {maxPixels} pixels, since every heat map is the image's size (give 'size' to locate in a smaller copy).");
        }
    }

    /// <summary>
    /// The locator of the method (and stride), with the reason the served model cannot run it as a 422 and a stride
    /// it cannot use as a 400.
    /// </summary>
    private static ClipLocator Locator(Clip clip, LocateQuery query)
    {
        int r = clip.Model.Visual.ImageResolution;
        if (query.Stride is int stride && r % stride != 0)
        {
            throw ApiException.BadRequest($"'stride' must divide the served model's input of {r} pixels, got {stride}.");
        }

        try
        {
            return ClipLocator.Create(clip, LocateOptions.Default with { Method = query.Method, OcclusionStride = query.Stride });
        }
        catch (NotSupportedException e)
        {
            throw new ApiException(
                StatusCodes.Status422UnprocessableEntity, "method_unavailable", $"'method' {query.Method.Name()} cannot run on the served model {clip.Name}: {e.Message}");
        }
    }
}

/// <summary>
/// The JSON body of POST /v1/locate: one base64 image or an indexed entry's id, the prompts (used verbatim), and
/// optionally the method, the mask threshold, the answer's format and the box to scale the image into.
/// </summary>
internal sealed record LocateRequest(
    string? Image,
    long? Id,
    IReadOnlyList<string> Prompts,
    string? Method,
    float? Threshold,
    string? Format,
    int? Size,
    int? Stride);

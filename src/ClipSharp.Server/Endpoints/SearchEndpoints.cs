using System.Text.Json.Serialization;
using ClipSharp.Imaging;
using ClipSharp.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// GET /v1/search (text, or an indexed entry's neighbours) and POST /v1/search (an uploaded image or a text).
/// The model runs under the gate; the index is searched outside it, since its queries are thread-safe.
/// </summary>
internal static class SearchEndpoints
{
    private const int MaxQueryChars = 2000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/search", SearchGetAsync)
            .WithName("Search")
            .WithSummary("Search the index by text, or for entries similar to an indexed one")
            .WithDescription("?q=TEXT (text→image) or ?like=ID (neighbours of an entry, no model call), and &k=N (default 10).")
            .Produces<SearchResponse>();
        app.MapPost("/v1/search", SearchPostAsync)
            .WithName("SearchByUpload")
            .WithSummary("Search the index with an uploaded image")
            .WithDescription("multipart/form-data with one image file (and optional 'k'), or JSON {\"image\": base64, \"k\": 10}; a 'text' instead of the image searches by text.")
            .Accepts<SearchRequest>("application/json", "multipart/form-data")
            .Produces<SearchResponse>()
            .DisableAntiforgery();
    }

    private static async Task<IResult> SearchGetAsync(
        HttpRequest request, ModelGate gate, ServedIndex served, ClipServerOptions options, CancellationToken cancel)
    {
        SearchIndex index = served.Require();
        string? q = ServerQuery.Value(request, "q");
        string? like = ServerQuery.Value(request, "like");
        int k = ServerQuery.Integer(request, "k", options.DefaultK, 1, options.MaxK);
        if ((q is null) == (like is null))
        {
            throw ApiException.BadRequest("give exactly one of 'q' (a text query) or 'like' (an entry id).");
        }

        if (like is not null)
        {
            IndexEntry entry = served.Entry(like, "like");
            float[] stored = index.Embedding(entry.Id).ToArray();
            return ClipJson.Ok(Respond(gate, served, "similar", entry.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), index.Search(stored, k)));
        }

        string text = CheckText(q!);
        float[] query = await gate.RunAsync(clip => clip.EncodeTexts([text]).Span.ToArray(), cancel);
        return ClipJson.Ok(Respond(gate, served, "text", text, index.Search(query, k)));
    }

    private static async Task<IResult> SearchPostAsync(
        HttpRequest request, ModelGate gate, ServedIndex served, ClipServerOptions options, CancellationToken cancel)
    {
        SearchIndex index = served.Require();
        RequestInputs inputs = await RequestInputs.ReadAsync(request, options, cancel);
        int k = ServerQuery.Integer(inputs.Field("k") ?? ServerQuery.Value(request, "k"), "k", options.DefaultK, 1, options.MaxK);
        if (inputs.Images.Count + inputs.Texts.Count != 1)
        {
            throw ApiException.BadRequest($"give exactly one image (or one text) to search with, got {inputs.Images.Count} images and {inputs.Texts.Count} texts.");
        }

        if (inputs.Images.Count == 1)
        {
            ImageUpload upload = inputs.Images[0];
            DecodedImage image = ImageDecoder.Decode(upload.Data, upload.Name);
            float[] query = await gate.RunAsync(clip => clip.EncodeImages([image]).Span.ToArray(), cancel);
            return ClipJson.Ok(Respond(gate, served, "image", upload.Name, index.Search(query, k)));
        }

        string text = CheckText(inputs.Texts[0]);
        float[] embedding = await gate.RunAsync(clip => clip.EncodeTexts([text]).Span.ToArray(), cancel);
        return ClipJson.Ok(Respond(gate, served, "text", text, index.Search(embedding, k)));
    }

    private static string CheckText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ApiException.BadRequest("the text query is empty.");
        }

        return text.Length <= MaxQueryChars
            ? text
            : throw ApiException.TooLarge($"the text query has {text.Length} characters; the limit is {MaxQueryChars}.");
    }

    private static SearchResponse Respond(ModelGate gate, ServedIndex served, string kind, string query, IReadOnlyList<SearchHit> hits)
    {
        bool images = served.Require().Kind == EntryKind.Image;
        var results = new SearchResult[hits.Count];
        for (int i = 0; i < hits.Count; i++)
        {
            SearchHit h = hits[i];
            string id = h.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            results[i] = images
                ? new SearchResult(i + 1, h.Id, Path.GetFileName(h.Source), h.Score, $"/v1/images/{id}", $"/v1/images/{id}/thumbnail")
                : new SearchResult(i + 1, h.Id, h.Source, h.Score, null, null);
        }

        return new SearchResponse(gate.Clip.Name, kind, query, results);
    }
}

/// <summary>One hit: for an image index <c>name</c> is the file name (never the server's path) and the URLs serve it.</summary>
internal sealed record SearchResult(
    int Rank,
    long Id,
    string Name,
    float Score,
    [property: JsonPropertyName("image_url")] string? ImageUrl,
    [property: JsonPropertyName("thumbnail_url")] string? ThumbnailUrl);

/// <summary>The JSON body of POST /v1/search: one base64 image, or one text, and optionally k.</summary>
internal sealed record SearchRequest(string? Image, string? Text, int? K);

internal sealed record SearchResponse(string Model, string Kind, string Query, IReadOnlyList<SearchResult> Results);

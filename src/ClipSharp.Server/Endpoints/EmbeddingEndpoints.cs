using ClipSharp.Imaging;
using ClipSharp.Tensors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>POST /v1/embeddings: texts and images in, embeddings out (texts first, then images, each in request order).</summary>
internal static class EmbeddingEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embeddings", EmbedAsync)
            .WithName("CreateEmbeddings")
            .WithSummary("Embed texts and images")
            .WithDescription("JSON {\"texts\": [...], \"images\": [base64...], \"normalize\": true} or multipart/form-data with 'text' fields and image files.")
            .Produces<EmbeddingsResponse>()
            .DisableAntiforgery();
    }

    private static async Task<IResult> EmbedAsync(HttpRequest request, ModelGate gate, ClipServerOptions options, CancellationToken cancel)
    {
        RequestInputs inputs = await RequestInputs.ReadAsync(request, options, cancel);
        if (inputs.Texts.Count + inputs.Images.Count == 0)
        {
            throw ApiException.BadRequest("nothing to embed: give 'texts' and/or 'images'.");
        }

        bool normalize = inputs.Flag("normalize", fallback: true);
        List<DecodedImage> images = DecodeAll(inputs.Images);
        (Tensor texts, Tensor pictures) = await gate.RunAsync(
            clip => (clip.EncodeTexts(inputs.Texts, normalize), clip.EncodeImages(images, normalize)), cancel);

        int dim = gate.Clip.EmbedDim;
        var data = new List<EmbeddingItem>(inputs.Texts.Count + images.Count);
        for (int i = 0; i < inputs.Texts.Count; i++)
        {
            data.Add(new EmbeddingItem(data.Count, "text", inputs.Texts[i], texts.Span.Slice(i * dim, dim).ToArray()));
        }

        for (int i = 0; i < images.Count; i++)
        {
            data.Add(new EmbeddingItem(data.Count, "image", inputs.Images[i].Name, pictures.Span.Slice(i * dim, dim).ToArray()));
        }

        return Results.Ok(new EmbeddingsResponse(gate.Clip.Name, dim, normalize, data));
    }

    /// <summary>Every image must decode: a bad one fails the request with its name, before any model work.</summary>
    internal static List<DecodedImage> DecodeAll(IReadOnlyList<ImageUpload> uploads)
        => [.. uploads.Select(u => ImageDecoder.Decode(u.Data, u.Name))];
}

internal sealed record EmbeddingItem(int Index, string Kind, string Input, float[] Embedding);

internal sealed record EmbeddingsResponse(string Model, int Dim, bool Normalized, IReadOnlyList<EmbeddingItem> Data);

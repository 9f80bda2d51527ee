using System.Text.Json;
using System.Text.Json.Serialization;
using ClipSharp.Imaging;
using ClipSharp.Tensors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// POST /v1/embeddings: texts and images in, embeddings out (texts first, then images, each in request order). A JSON
/// body with <c>input</c> is an OpenAI embeddings request and gets OpenAI's response shape (see
/// <see cref="OpenAiEmbeddings"/>), so OpenAI clients work against this server unchanged.
/// </summary>
internal static class EmbeddingEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embeddings", EmbedAsync)
            .WithName("CreateEmbeddings")
            .WithSummary("Embed texts and images (native, or OpenAI-compatible with 'input')")
            .WithDescription(
                "JSON {\"texts\": [...], \"images\": [base64...], \"normalize\": true} or multipart/form-data with 'text' fields and image files; "
                + "or the OpenAI request {\"input\": \"text\" | [\"text\", ...], \"model\": \"...\", \"encoding_format\": \"float\"|\"base64\"}, "
                + "answered in OpenAI's shape {\"object\": \"list\", \"data\": [{\"object\": \"embedding\", \"index\", \"embedding\"}], \"model\", \"usage\"}.")
            .Accepts<EmbeddingsRequest>("application/json", "multipart/form-data")
            .Produces<EmbeddingsResponse>()
            .DisableAntiforgery();
    }

    private static async Task<IResult> EmbedAsync(HttpRequest request, ModelGate gate, ClipServerOptions options, CancellationToken cancel)
    {
        RequestInputs inputs;
        if (request.HasJsonContentType())
        {
            using JsonDocument doc = await RequestInputs.ReadJsonAsync(request, cancel);
            if (doc.RootElement.TryGetProperty("input", out _))
            {
                return await OpenAiEmbeddings.EmbedAsync(doc.RootElement, gate, options, cancel);
            }

            inputs = RequestInputs.FromJson(doc.RootElement, options);
        }
        else
        {
            inputs = await RequestInputs.ReadAsync(request, options, cancel);
        }

        if (inputs.Texts.Count + inputs.Images.Count == 0)
        {
            throw ApiException.BadRequest("nothing to embed: give 'texts' and/or 'images' (or 'input', as OpenAI clients do).");
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

        return ClipJson.Ok(new EmbeddingsResponse(gate.Clip.Name, dim, normalize, data));
    }

    /// <summary>Every image must decode: a bad one fails the request with its name, before any model work.</summary>
    internal static List<DecodedImage> DecodeAll(IReadOnlyList<ImageUpload> uploads)
        => [.. uploads.Select(u => ImageDecoder.Decode(u.Data, u.Name))];
}

/// <summary>
/// The JSON body of POST /v1/embeddings, as the OpenAPI document shows it: either the native fields
/// (<c>texts</c>, <c>images</c>, <c>normalize</c>) or OpenAI's (<c>input</c>, <c>model</c>, <c>encoding_format</c>,
/// <c>dimensions</c>, <c>user</c>). One text or image may also be given as a plain string.
/// </summary>
internal sealed record EmbeddingsRequest(
    IReadOnlyList<string>? Texts,
    IReadOnlyList<string>? Images,
    bool? Normalize,
    IReadOnlyList<string>? Input,
    string? Model,
    [property: JsonPropertyName("encoding_format")] string? EncodingFormat,
    int? Dimensions,
    string? User);

internal sealed record EmbeddingItem(int Index, string Kind, string Input, float[] Embedding);

internal sealed record EmbeddingsResponse(string Model, int Dim, bool Normalized, IReadOnlyList<EmbeddingItem> Data);

using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClipSharp.Tensors;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// OpenAI's embeddings API on POST /v1/embeddings: <c>input</c> (a string or an array of strings), <c>model</c>
/// (required, as OpenAI requires it; the loaded model answers whatever it names), <c>encoding_format</c>
/// (<c>float</c>, or <c>base64</c> of little-endian float32, which the official clients ask for) and <c>dimensions</c>
/// (only the model's own: CLIP embeddings are not trained to be shortened). Embeddings are normalized, as OpenAI's are.
/// </summary>
internal static class OpenAiEmbeddings
{
    public static async Task<IResult> EmbedAsync(JsonElement body, ModelGate gate, ClipServerOptions options, CancellationToken cancel)
    {
        OpenAiEmbeddingRequest request = body.Deserialize<OpenAiEmbeddingRequest>(ClipJson.Options)
            ?? throw ApiException.BadRequest("the JSON body must be an object.");
        foreach (string native in new[] { "texts", "text", "images", "image", "normalize" })
        {
            if (body.TryGetProperty(native, out _))
            {
                throw ApiException.BadRequest($"'{native}' cannot be combined with 'input': send either an OpenAI request ('input', 'model') or a native one ('texts', 'images').");
            }
        }

        string[] texts = Texts(request.Input, options);
        if (string.IsNullOrWhiteSpace(request.Model))
        {
            throw ApiException.BadRequest($"'model' is required, as in OpenAI's API; this server runs '{gate.Clip.Name}'.");
        }

        bool base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw ApiException.BadRequest($"'encoding_format' must be \"float\" or \"base64\", got \"{request.EncodingFormat}\"."),
        };
        int dim = gate.Clip.EmbedDim;
        if (request.Dimensions is int asked && asked != dim)
        {
            throw ApiException.BadRequest($"'dimensions' must be {dim} (this model's embedding size) or absent, got {asked}: CLIP embeddings cannot be shortened.");
        }

        (Tensor embeddings, int tokens) = await gate.RunAsync(clip => (clip.EncodeTexts(texts), PromptTokens(clip, texts)), cancel);
        var data = new OpenAiEmbedding[texts.Length];
        for (int i = 0; i < texts.Length; i++)
        {
            float[] vector = embeddings.Span.Slice(i * dim, dim).ToArray();
            data[i] = new OpenAiEmbedding("embedding", i, base64 ? Base64(vector) : vector);
        }

        return ClipJson.Ok(new OpenAiEmbeddingResponse("list", data, gate.Clip.Name, new OpenAiUsage(tokens, tokens)));
    }

    private static string[] Texts(JsonElement input, ClipServerOptions options)
    {
        string[] texts = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. input.EnumerateArray().Select(e => e.GetString()!)],
            JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind is JsonValueKind.Number or JsonValueKind.Array)
                => throw ApiException.BadRequest("'input' as token ids is not supported: this model has its own tokenizer; send the texts."),
            _ => throw ApiException.BadRequest("'input' must be a string or an array of strings."),
        };
        if (texts.Length == 0)
        {
            throw ApiException.BadRequest("'input' is an empty array: give at least one text.");
        }

        int empty = Array.FindIndex(texts, t => t.Length == 0);
        if (empty >= 0)
        {
            throw ApiException.BadRequest($"'input[{empty}]' is an empty string.");
        }

        return texts.Length <= options.MaxBatchItems
            ? texts
            : throw ApiException.TooLarge($"{texts.Length} inputs in one request; the limit is {options.MaxBatchItems}.");
    }

    /// <summary>Tokens the model read: each text's BPE ids plus start and end, truncated to the context as the encoder does.</summary>
    private static int PromptTokens(Clip clip, string[] texts)
    {
        int context = clip.Model.Config.ContextLength;
        return texts.Sum(t => Math.Min(clip.Tokenizer.Encode(t).Length + 2, context));
    }

    /// <summary>The bytes of little-endian float32, whatever this machine's byte order.</summary>
    private static string Base64(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (int i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }
}

internal sealed record OpenAiEmbeddingRequest(
    JsonElement Input,
    string? Model,
    [property: JsonPropertyName("encoding_format")] string? EncodingFormat,
    int? Dimensions,
    string? User);

/// <summary><c>embedding</c> is a float array, or a base64 string with <c>encoding_format: "base64"</c>.</summary>
internal sealed record OpenAiEmbedding(string Object, int Index, object Embedding);

internal sealed record OpenAiUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

internal sealed record OpenAiEmbeddingResponse(string Object, IReadOnlyList<OpenAiEmbedding> Data, string Model, OpenAiUsage Usage);

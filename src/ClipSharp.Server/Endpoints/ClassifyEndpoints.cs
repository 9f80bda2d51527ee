using System.Text.Json.Serialization;
using ClipSharp.Imaging;
using ClipSharp.Tensors;
using ClipSharp.ZeroShot;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>POST /v1/classify: zero-shot classification of uploaded images over the given labels.</summary>
internal static class ClassifyEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/classify", ClassifyAsync)
            .WithName("Classify")
            .WithSummary("Zero-shot classification")
            .WithDescription("JSON {\"labels\": [...], \"images\": [base64...], \"templates\": \"default\"|\"single\"|[...], \"top_k\": 5} or multipart/form-data with 'labels' (comma-separated or repeated) and image files.")
            .Accepts<ClassifyRequest>("application/json", "multipart/form-data")
            .Produces<ClassifyResponse>()
            .DisableAntiforgery();
    }

    private static async Task<IResult> ClassifyAsync(
        HttpRequest request, ModelGate gate, ClassifierCache classifiers, ClipServerOptions options, CancellationToken cancel)
    {
        RequestInputs inputs = await RequestInputs.ReadAsync(request, options, cancel);
        string[] labels = [.. inputs.FieldValues("labels").SelectMany(l => l.Split(',')).Select(l => l.Trim()).Where(l => l.Length > 0)];
        if (labels.Length == 0)
        {
            throw ApiException.BadRequest("give at least one label in 'labels'.");
        }

        if (labels.Length > options.MaxLabels)
        {
            throw ApiException.TooLarge($"{labels.Length} labels; the limit is {options.MaxLabels}.");
        }

        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Length)
        {
            throw ApiException.BadRequest("'labels' repeats a label.");
        }

        if (inputs.Images.Count == 0)
        {
            throw ApiException.BadRequest("give at least one image in 'images'.");
        }

        IReadOnlyList<string> templates = Templates(inputs.FieldValues("templates"));
        int k = inputs.Integer("top_k", fallback: Math.Min(5, labels.Length), min: 1, max: options.MaxK);
        List<DecodedImage> images = EmbeddingEndpoints.DecodeAll(inputs.Images);
        IReadOnlyList<ClassScore[]> scores = await gate.RunAsync(
            clip =>
            {
                ZeroShotClassifier classifier = classifiers.Get(clip, labels, templates);
                Tensor embeddings = clip.EncodeImages(images);
                return classifier.Classify(embeddings, k);
            },
            cancel);

        var results = scores
            .Select((s, i) => new ClassifyResult(i, inputs.Images[i].Name, [.. s.Select(c => new LabelScore(c.Label, c.Probability))]))
            .ToList();
        return ClipJson.Ok(new ClassifyResponse(gate.Clip.Name, results));
    }

    private static IReadOnlyList<string> Templates(IReadOnlyList<string> given)
    {
        if (given.Count == 0 || (given.Count == 1 && given[0] == "default"))
        {
            return PromptTemplates.Default;
        }

        if (given.Count == 1 && given[0] == "single")
        {
            return PromptTemplates.Single;
        }

        foreach (string t in given)
        {
            if (!t.Contains(PromptTemplates.Placeholder, StringComparison.Ordinal))
            {
                throw ApiException.BadRequest($"template \"{t}\" has no {PromptTemplates.Placeholder} placeholder for the label.");
            }
        }

        return given;
    }
}

/// <summary>The JSON body of POST /v1/classify; <c>templates</c> is "default", "single" or a list with {} placeholders.</summary>
internal sealed record ClassifyRequest(
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> Images,
    IReadOnlyList<string>? Templates,
    [property: JsonPropertyName("top_k")] int? TopK);

internal sealed record LabelScore(string Label, float Probability);

internal sealed record ClassifyResult(int Index, string Image, IReadOnlyList<LabelScore> Labels);

internal sealed record ClassifyResponse(string Model, IReadOnlyList<ClassifyResult> Results);

using System.Text.Json.Serialization;
using ClipSharp.Applications;
using ClipSharp.Imaging;
using ClipSharp.Tensors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Endpoints;

/// <summary>POST /v1/tag: multi-label verdicts per image, each label against its own negative prompts.</summary>
internal static class TagEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/tag", TagAsync)
            .WithName("Tag")
            .WithSummary("Multi-label tagging and moderation")
            .WithDescription(
                "JSON {\"labels\": [\"cat\", \"dog | threshold=0.7\"], \"labels_file\": \"...\", \"threshold\": 0.5, \"images\": [base64...]} "
                + "or multipart/form-data with 'labels' / 'labels_file' / 'threshold' fields and image files. Each label is a labels-file line: "
                + "NAME [| prompt=TEXT] [| negative=TEXT]... [| threshold=P]; 'labels_file' is the text of a whole labels file.")
            .Accepts<TagRequest>("application/json", "multipart/form-data")
            .Produces<TagResponse>()
            .DisableAntiforgery();
    }

    private static async Task<IResult> TagAsync(
        HttpRequest request, ModelGate gate, TaggerCache taggers, ClipServerOptions options, CancellationToken cancel)
    {
        RequestInputs inputs = await RequestInputs.ReadAsync(request, options, cancel);
        IReadOnlyList<TagLabel> labels = Labels(inputs);
        if (labels.Count > options.MaxLabels)
        {
            throw ApiException.TooLarge($"{labels.Count} labels; the limit is {options.MaxLabels}.");
        }

        float threshold = ServerQuery.Probability(inputs.Field("threshold"), "threshold", ImageTagger.DefaultThreshold);
        if (inputs.Images.Count == 0)
        {
            throw ApiException.BadRequest("give at least one image in 'images'.");
        }

        if (inputs.Texts.Count > 0)
        {
            throw ApiException.BadRequest("'texts' has no meaning for tagging; give the labels in 'labels' or 'labels_file'.");
        }

        List<DecodedImage> images = EmbeddingEndpoints.DecodeAll(inputs.Images);
        string[] names = [.. inputs.Images.Select(i => i.Name)];
        IReadOnlyList<TagVerdict> verdicts = await gate.RunAsync(
            clip =>
            {
                ImageTagger tagger = taggers.Get(clip, labels, threshold);
                Tensor embeddings = clip.EncodeImages(images);
                return tagger.Tag(names, embeddings.Span);
            },
            cancel);

        var results = verdicts.Select((v, i) => new TagResult(
            i,
            v.Image,
            [.. v.Tags],
            [.. v.Scores.Select(s => new TagLabelScore(s.Label, s.Probability, s.Cosine, s.Threshold, s.Match))]));
        return ClipJson.Ok(new TagResponse(gate.Clip.Name, [.. results]));
    }

    /// <summary>'labels' lines and the 'labels_file' text together form one labels file, checked by its parser.</summary>
    private static IReadOnlyList<TagLabel> Labels(RequestInputs inputs)
    {
        var lines = new List<string>();
        foreach (string value in inputs.FieldValues("labels").Concat(inputs.FieldValues("labels_file")))
        {
            lines.AddRange(value.Split('\n'));
        }

        if (lines.All(l => string.IsNullOrWhiteSpace(l) || l.TrimStart().StartsWith('#')))
        {
            throw ApiException.BadRequest("give at least one label in 'labels' or 'labels_file'.");
        }

        try
        {
            return LabelsFile.Parse(lines, "labels");
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }
}

/// <summary>The JSON body of POST /v1/tag: labels-file lines and/or a whole labels file, and base64 images.</summary>
internal sealed record TagRequest(
    IReadOnlyList<string>? Labels,
    [property: JsonPropertyName("labels_file")] string? LabelsFile,
    float? Threshold,
    IReadOnlyList<string> Images);

internal sealed record TagLabelScore(string Label, float Probability, float Cosine, float Threshold, bool Match);

internal sealed record TagResult(int Index, string Image, IReadOnlyList<string> Tags, IReadOnlyList<TagLabelScore> Labels);

internal sealed record TagResponse(string Model, IReadOnlyList<TagResult> Results);

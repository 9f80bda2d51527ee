using ClipSharp.Imaging;
using ClipSharp.Localization;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Endpoints;

/// <summary>
/// What a POST /v1/locate asks besides the image: prompts, method, threshold, whether to answer with the picture,
/// the box to scale the image into first (<see cref="ImageFit"/>), if any, and the occlusion method's stride, if any.
/// </summary>
internal sealed record LocateQuery(IReadOnlyList<string> Prompts, LocateMethod Method, float Threshold, bool Picture, int? Size, int? Stride)
{
    private const int MinSize = 16;

    // The search endpoints' bound on a query text; a prompt is one.
    private const int MaxPromptChars = 2000;

    public static LocateQuery Read(RequestInputs inputs, HttpRequest request, ClipServerOptions options)
    {
        if (inputs.Texts.Count > 0)
        {
            throw ApiException.BadRequest("'texts' has no meaning for locating; give what to find in 'prompts' (or repeated 'prompt' fields).");
        }

        string[] prompts = [.. inputs.FieldValues("prompts").Concat(inputs.FieldValues("prompt"))];
        if (prompts.Length == 0)
        {
            throw ApiException.BadRequest("give at least one prompt to find in 'prompts', e.g. [\"a red star\"].");
        }

        if (prompts.Length > options.MaxLocatePrompts)
        {
            throw ApiException.TooLarge($"{prompts.Length} prompts; the limit is {options.MaxLocatePrompts}.");
        }

        for (int i = 0; i < prompts.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(prompts[i]))
            {
                throw ApiException.BadRequest($"prompts[{i}] is empty.");
            }

            if (prompts[i].Length > MaxPromptChars)
            {
                throw ApiException.TooLarge($"prompts[{i}] has {prompts[i].Length} characters; the limit is {MaxPromptChars}.");
            }

            if (Array.IndexOf(prompts, prompts[i]) < i)
            {
                throw ApiException.BadRequest($"prompts[{i}] \"{prompts[i]}\" is given more than once.");
            }
        }

        string? methodName = inputs.Field("method") ?? ServerQuery.Value(request, "method");
        LocateMethod method = methodName is null ? LocateMethod.Dense
            : LocateMethods.Parse(methodName)
                ?? throw ApiException.BadRequest($"'method' must be one of {string.Join(", ", LocateMethods.Names)}, got '{methodName}'.");
        float threshold = ServerQuery.Probability(inputs.Field("threshold") ?? ServerQuery.Value(request, "threshold"), "threshold", ClipLocator.DefaultThreshold);
        string? size = inputs.Field("size") ?? ServerQuery.Value(request, "size");
        string? stride = inputs.Field("stride") ?? ServerQuery.Value(request, "stride");
        if (stride is not null && method != LocateMethod.Occlusion)
        {
            throw ApiException.BadRequest($"'stride' is the occlusion method's step between occluders; it has no meaning for 'method' {method.Name()}.");
        }

        return new LocateQuery(
            prompts,
            method,
            threshold,
            WantsPicture(inputs.Field("format") ?? ServerQuery.Value(request, "format"), request),
            size is null ? null : ServerQuery.Integer(size, "size", 0, MinSize, options.MaxThumbnailSize),
            stride is null ? null : ServerQuery.Integer(stride, "stride", 0, 1, int.MaxValue));
    }

    /// <summary>'format' when given; else the picture only for a client whose Accept header names image/png.</summary>
    private static bool WantsPicture(string? format, HttpRequest request) => format switch
    {
        "json" => false,
        "png" => true,
        null => request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(LocateEndpoints.Png, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0),
        _ => throw ApiException.BadRequest($"'format' must be json or png, got '{format}'."),
    };
}

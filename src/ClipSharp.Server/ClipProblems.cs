using System.Globalization;
using System.Text.Json;
using ClipSharp.Imaging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace ClipSharp.Server;

/// <summary>
/// Every refusal as an RFC 9457 problem (<c>application/problem+json</c>) with <c>type</c>, <c>title</c>,
/// <c>status</c>, <c>detail</c> naming the input, and a stable <c>code</c> extension that clients branch on.
/// Only a genuine server bug is a 500, and its details stay in the log.
/// </summary>
internal static class ClipProblems
{
    /// <summary>The status nginx made common for a client that went away; there is no reason phrase for it.</summary>
    public const int ClientClosedRequest = 499;

    public static IResult Result(int status, string code, string detail)
        => Results.Problem(new ProblemDetails
        {
            // "about:blank": the status and the code say it all; there is no page to link to.
            Type = "about:blank",
            Title = Title(status),
            Status = status,
            Detail = detail,
            Extensions = { ["code"] = code },
        });

    public static Task WriteAsync(HttpContext context, int status, string code, string detail)
        => Result(status, code, detail).ExecuteAsync(context);

    /// <summary>Sets <c>Retry-After</c> in whole seconds, rounded up and at least 1.</summary>
    public static void RetryAfter(HttpResponse response, TimeSpan after)
        => response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The status, code and detail for an exception that escaped an endpoint; the Retry-After too when it has one.</summary>
    public static (int Status, string Code, string Detail, TimeSpan? RetryAfter) Classify(Exception e, HttpContext context) => e switch
    {
        ApiException api => (api.Status, api.Code, api.Message, null),
        ModelBusyException busy => (StatusCodes.Status429TooManyRequests, "model_busy", busy.Message, busy.RetryAfter),
        ImageDecodeException img => (StatusCodes.Status422UnprocessableEntity, "bad_image", img.Message, null),
        JsonException json => (StatusCodes.Status400BadRequest, "bad_json", $"the request body is not valid JSON for this endpoint: {json.Message}", null),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            => (StatusCodes.Status413PayloadTooLarge, "too_large", "the request body is larger than the server accepts.", null),
        BadHttpRequestException bad => (bad.StatusCode, "bad_request", bad.Message, null),
        InvalidDataException data => (StatusCodes.Status400BadRequest, "bad_request", data.Message, null),
        // The request-timeout middleware cancels RequestAborted too, so a timeout is told apart by its own token.
        OperationCanceledException when context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true
            => (StatusCodes.Status503ServiceUnavailable, "timeout", "the request took longer than the server allows.", null),
        OperationCanceledException when context.RequestAborted.IsCancellationRequested
            => (ClientClosedRequest, "cancelled", "the client went away.", null),
        OperationCanceledException or TimeoutException
            => (StatusCodes.Status503ServiceUnavailable, "timeout", "the request took longer than the server allows.", null),
        _ => (StatusCodes.Status500InternalServerError, "internal", "internal error; see the server log.", null),
    };

    private static string Title(int status)
        => status == ClientClosedRequest ? "Client Closed Request"
            : ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase
            : "HTTP " + status.ToString(CultureInfo.InvariantCulture);
}

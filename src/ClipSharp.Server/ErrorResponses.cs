using System.Text.Json;
using ClipSharp.Imaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Server;

/// <summary>
/// Turns every failure into a JSON body <c>{"error": {"code", "message"}}</c>. Input problems are 4xx with a
/// message naming the input; only a genuine server bug is a 500, and its details stay in the log.
/// </summary>
internal sealed class ErrorResponses(RequestDelegate next, ILogger<ErrorResponses> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            (int status, string code, string message) = Classify(e, context);
            if (status >= 500)
            {
                logger.LogError(e, "unhandled error for {Method} {Path}", context.Request.Method, context.Request.Path);
            }

            await Write(context, status, code, message);
        }
    }

    public static Task Write(HttpContext context, int status, string code, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { code, message } });
    }

    private static (int Status, string Code, string Message) Classify(Exception e, HttpContext context) => e switch
    {
        ApiException api => (api.Status, api.Code, api.Message),
        ImageDecodeException img => (StatusCodes.Status422UnprocessableEntity, "bad_image", img.Message),
        JsonException json => (StatusCodes.Status400BadRequest, "bad_json", $"the request body is not valid JSON for this endpoint: {json.Message}"),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            => (StatusCodes.Status413PayloadTooLarge, "too_large", "the request body is larger than the server accepts."),
        BadHttpRequestException bad => (bad.StatusCode, "bad_request", bad.Message),
        InvalidDataException data => (StatusCodes.Status400BadRequest, "bad_request", data.Message),
        OperationCanceledException when context.RequestAborted.IsCancellationRequested
            => (499, "cancelled", "the client went away."),
        OperationCanceledException or TimeoutException
            => (StatusCodes.Status503ServiceUnavailable, "timeout", "the request took longer than the server allows."),
        _ => (StatusCodes.Status500InternalServerError, "internal", "internal error; see the server log."),
    };
}

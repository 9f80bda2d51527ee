using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Server;

/// <summary>
/// Wraps every API endpoint: applies the server's body limit to the request, and turns what the endpoint throws
/// into a problem response. A filter rather than middleware, so it works wherever the endpoints are mapped.
/// </summary>
internal sealed class ProblemFilter(ClipServerOptions options, ILogger<ProblemFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        HttpContext context = invocation.HttpContext;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxUploadBytes;
        }

        try
        {
            return await next(invocation);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            (int status, string code, string detail, TimeSpan? retryAfter) = ClipProblems.Classify(e, context);
            if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
            {
                logger.LogError(e, "unhandled error for {Method} {Path}", context.Request.Method, context.Request.Path);
            }

            if (retryAfter is TimeSpan after)
            {
                ClipProblems.RetryAfter(context.Response, after);
            }

            return ClipProblems.Result(status, code, detail);
        }
    }
}

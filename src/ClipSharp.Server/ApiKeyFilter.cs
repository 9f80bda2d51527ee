using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server;

/// <summary>Lets an API request through only with <c>Authorization: Bearer KEY</c> when the server has a key.</summary>
internal sealed class ApiKeyFilter(ApiKeyCheck keys) : IEndpointFilter
{
    private const string Scheme = "Bearer ";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        if (!keys.Enabled)
        {
            return next(invocation);
        }

        HttpContext context = invocation.HttpContext;
        string? header = context.Request.Headers.Authorization;
        if (header is not null && header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && keys.Matches(header[Scheme.Length..].Trim()))
        {
            return next(invocation);
        }

        context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        string detail = header is null
            ? "this server requires an API key: send 'Authorization: Bearer KEY'."
            : "the Authorization header does not carry this server's API key as 'Bearer KEY'.";
        return ValueTask.FromResult<object?>(ClipProblems.Result(StatusCodes.Status401Unauthorized, "unauthorized", detail));
    }
}

using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace ClipSharp.Server;

/// <summary>
/// A fixed window of <see cref="ClipServerOptions.RateLimitPermits"/> requests per client, a client being its remote
/// address (behind a reverse proxy, apply forwarded headers first, or every client is the proxy). Refusals are 429
/// problems with Retry-After; nothing is queued.
/// </summary>
internal sealed class ClipRateLimitPolicy(ClipServerOptions options) : IRateLimiterPolicy<string>
{
    public const string Name = "ClipSharp.Server";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => RejectAsync;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        => RateLimitPartition.GetFixedWindowLimiter(
            httpContext.Connection.RemoteIpAddress?.ToString() ?? string.Empty,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.RateLimitPermits,
                Window = options.RateLimitWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            });

    private async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancel)
    {
        TimeSpan after = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter) ? retryAfter : options.RateLimitWindow;
        ClipProblems.RetryAfter(rejected.HttpContext.Response, after);
        string window = options.RateLimitWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        await ClipProblems.WriteAsync(
            rejected.HttpContext,
            StatusCodes.Status429TooManyRequests,
            "rate_limited",
            $"more than {options.RateLimitPermits} requests in {window} s from this client; retry after the Retry-After seconds.");
    }
}

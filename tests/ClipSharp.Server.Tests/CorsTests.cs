namespace ClipSharp.Server.Tests;

/// <summary>CORS is off unless origins are configured; then only those origins pass a preflight.</summary>
public sealed class CorsTests
{
    private const string Allowed = "https://app.example.com";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PreflightFromAnAllowedOriginIsAnswered()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { CorsOrigins = [Allowed], ApiKey = "correct-horse-battery-staple-42" });
        using HttpResponseMessage response = await app.Http.SendAsync(Preflight(Allowed), Ct);
        Assert.True(response.IsSuccessStatusCode, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Allowed, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        string headers = string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("authorization", headers, StringComparison.Ordinal);
        Assert.Contains("POST", string.Join(',', response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreflightFromAnotherOriginGetsNoCorsHeaders()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { CorsOrigins = [Allowed] });
        using HttpResponseMessage response = await app.Http.SendAsync(Preflight("https://evil.example.net"), Ct);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        using var get = new HttpRequestMessage(HttpMethod.Get, "/v1/search?q=dog") { Headers = { { "Origin", "https://evil.example.net" } } };
        using HttpResponseMessage simple = await app.Http.SendAsync(get, Ct);
        Assert.False(simple.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task CorsIsOffByDefault()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions());
        using HttpResponseMessage response = await app.Http.SendAsync(Preflight(Allowed), Ct);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AnOriginWithAPathIsRefused()
        => await Assert.ThrowsAsync<ClipServerOptionsException>(async () => await MappedApp.StartAsync(new ClipServerOptions { CorsOrigins = ["https://app.example.com/page"] }));

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/v1/embeddings")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "authorization,content-type" },
        },
    };
}

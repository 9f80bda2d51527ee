using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ClipSharp.Server.Tests;

/// <summary>With a key set, the API needs <c>Authorization: Bearer KEY</c>; health and the page stay anonymous.</summary>
public sealed class ApiKeyTests
{
    private const string Key = "correct-horse-battery-staple-42";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoKeyWrongKeyAndRightKey()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { ApiKey = Key });
        using (HttpResponseMessage none = await app.Http.PostAsJsonAsync("/v1/embeddings", new { texts = new[] { "a" } }, Ct))
        {
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
            await ApiAssert.Error(none, 401, "unauthorized");
        }

        foreach (string wrong in new[] { "Bearer " + Key + "x", "Bearer " + Key[..^1], "Bearer ", "Basic " + Key, Key })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/search?q=dog") { Headers = { { "Authorization", wrong } } };
            await ApiAssert.Error(await app.Http.SendAsync(request, Ct), 401, "unauthorized");
        }

        using var right = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = JsonContent.Create(new { texts = new[] { "a" } }) };
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var ok = await ApiAssert.Ok(await app.Http.SendAsync(right, Ct));
        Assert.Equal(1, ok.RootElement.GetProperty("data").GetArrayLength());

        // Anonymous by design: probes carry no credentials, and the page holds no data.
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/", Ct)).StatusCode);
    }

    [Fact]
    public async Task KeyFromConfigurationIsEnforced()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions(), new Dictionary<string, string?> { ["ClipServer:ApiKey"] = Key });
        await ApiAssert.Error(await app.Http.GetAsync("/v1/search?q=dog", Ct), 401, "unauthorized");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/search?q=dog");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        // Past the key, the request reaches the endpoint, which has no index to search.
        await ApiAssert.Error(await app.Http.SendAsync(request, Ct), 404, "no_index");
    }

    [Fact]
    public async Task LocateNeedsTheKeyLikeEveryModelEndpoint()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { ApiKey = Key });
        byte[] png = await File.ReadAllBytesAsync(ClipSharp.Testing.Fixtures.GoldenPath("preprocess", "small_100x50.png"), Ct);
        object body = new { image = Convert.ToBase64String(png), prompts = new[] { "a cat" } };
        await ApiAssert.Error(await app.Http.PostAsJsonAsync("/v1/locate", body, Ct), 401, "unauthorized");

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/locate") { Content = JsonContent.Create(body) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key + "x");
        await ApiAssert.Error(await app.Http.SendAsync(wrong, Ct), 401, "unauthorized");

        using var right = new HttpRequestMessage(HttpMethod.Post, "/v1/locate") { Content = JsonContent.Create(body) };
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using JsonDocument ok = await ApiAssert.Ok(await app.Http.SendAsync(right, Ct));
        Assert.Equal(100, ok.RootElement.GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task ShortKeysAreRefusedAtStartup()
    {
        var e = await Assert.ThrowsAsync<ClipServerOptionsException>(async () => await MappedApp.StartAsync(new ClipServerOptions { ApiKey = "short" }));
        Assert.Contains("16 characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonLoopbackHostWithoutKeyIsRefused()
    {
        Clip clip = Clip.Load(ClipSharp.Testing.Fixtures.TinyModel, ClipSharp.Testing.Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        var e = Assert.Throws<AnonymousExposureException>(() => ClipServer.Create(clip, new ClipServerOptions { Host = "0.0.0.0", Port = 0 }));
        Assert.Equal("0.0.0.0", e.Host);
        Assert.True(ClipServer.IsLoopback("127.0.0.1"));
        Assert.True(ClipServer.IsLoopback("::1"));
        Assert.True(ClipServer.IsLoopback("[::1]"));
        Assert.True(ClipServer.IsLoopback("localhost"));
        Assert.False(ClipServer.IsLoopback("0.0.0.0"));
        Assert.False(ClipServer.IsLoopback("*"));
        Assert.False(ClipServer.IsLoopback("192.168.1.10"));
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace ClipSharp.Server.Tests;

/// <summary><c>AddClipServer</c> + <c>MapClipEndpoints</c> in an application that is not <see cref="ClipServer"/>.</summary>
public sealed class MappedEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EndpointsMappedIntoAnAppEmbedLikeTheLibrary()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions());
        using HttpResponseMessage response = await app.Http.PostAsJsonAsync("/v1/embeddings", new { texts = new[] { "a red car" } }, Ct);
        using JsonDocument body = await ApiAssert.Ok(response);
        float[] expected = app.Clip.EncodeTexts(["a red car"]).ToArray();
        Assert.Equal(expected, body.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        Assert.Equal(app.Clip.EmbedDim, body.RootElement.GetProperty("dim").GetInt32());

        using JsonDocument health = JsonDocument.Parse(await app.Http.GetStringAsync("/healthz", Ct));
        Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
        Assert.Equal(app.Clip.Name, health.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task ErrorsAreProblemsInAMappedAppToo()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions());
        using var content = new StringContent("""{"texts": []}""", System.Text.Encoding.UTF8, "application/json");
        await ApiAssert.Error(await app.Http.PostAsync("/v1/embeddings", content, Ct), 400, "bad_request");
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/", Ct)).StatusCode);
    }

    [Fact]
    public async Task MappingWithoutAddClipServerSaysWhatIsMissing()
    {
        await using WebApplication app = WebApplication.CreateSlimBuilder().Build();
        var e = Assert.Throws<InvalidOperationException>(() => app.MapClipEndpoints());
        Assert.Contains("AddClipServer", e.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClipSharp.Testing;

namespace ClipSharp.Server.Tests;

public sealed class ApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string s_png = Fixtures.GoldenPath("preprocess", "small_100x50.png");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthNamesTheModel()
    {
        using JsonDocument body = await GetJson("/healthz", HttpStatusCode.OK);
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(32, body.RootElement.GetProperty("dim").GetInt32());
    }

    [Fact]
    public async Task ServerBindsToLoopbackByDefault()
    {
        Assert.Equal("127.0.0.1", new ClipServerOptions().Host);
        Assert.Equal("127.0.0.1", server.Http.BaseAddress!.Host);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task JsonEmbeddingsMatchTheLibrary()
    {
        string b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(s_png, Ct));
        using JsonDocument body = await PostJson("/v1/embeddings", new { texts = new[] { "a photo of a cat", "a dog" }, images = new[] { b64 } }, HttpStatusCode.OK);
        JsonElement[] data = [.. body.RootElement.GetProperty("data").EnumerateArray()];
        Assert.Equal(3, data.Length);
        Assert.Equal(["text", "text", "image"], data.Select(d => d.GetProperty("kind").GetString()));
        float[] expected = server.Clip.EncodeTexts(["a photo of a cat"]).ToArray();
        Assert.Equal(expected, data[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        float[] image = server.Clip.EncodeImageFiles([s_png], cancellation: Ct)[0].Embedding!;
        Assert.Equal(image, data[2].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Fact]
    public async Task MultipartEmbeddingsAndRawProjections()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("a dog"), "text" },
            { new StringContent("false"), "normalize" },
            { Image(), "image", "small.png" },
        };
        using HttpResponseMessage response = await server.Http.PostAsync("/v1/embeddings", form, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.False(body.RootElement.GetProperty("normalized").GetBoolean());
        JsonElement[] data = [.. body.RootElement.GetProperty("data").EnumerateArray()];
        Assert.Equal("small.png", data[1].GetProperty("input").GetString());
        Assert.Equal(
            server.Clip.EncodeTexts(["a dog"], normalize: false).ToArray(),
            data[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Fact]
    public async Task ClassifyRanksLabelsWithProbabilities()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("cat, dog,car"), "labels" },
            { new StringContent("2"), "top_k" },
            { Image(), "image", "small.png" },
        };
        using HttpResponseMessage response = await server.Http.PostAsync("/v1/classify", form, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        JsonElement[] labels = [.. body.RootElement.GetProperty("results")[0].GetProperty("labels").EnumerateArray()];
        Assert.Equal(2, labels.Length);
        Assert.True(labels[0].GetProperty("probability").GetSingle() >= labels[1].GetProperty("probability").GetSingle());
    }

    [Theory]
    [InlineData("""{"texts": """, 400, "bad_json")]
    [InlineData("""[1, 2]""", 400, "bad_request")]
    [InlineData("""{"texts": [1]}""", 400, "bad_request")]
    [InlineData("""{"images": ["%%%"]}""", 400, "bad_request")]
    [InlineData("""{"images": ["aGVsbG8="]}""", 422, "bad_image")]
    [InlineData("""{}""", 400, "bad_request")]
    [InlineData("""{"texts": ["a"], "normalize": "maybe"}""", 400, "bad_request")]
    [InlineData("""{"texts": ["1","2","3","4","5","6","7","8","9"]}""", 413, "too_large")]
    public async Task BadEmbeddingRequestsGetProblems(string json, int status, string code)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await server.Http.PostAsync("/v1/embeddings", content, Ct);
        await ApiAssert.Error(response, status, code);
    }

    [Theory]
    [InlineData("""{"images": []}""", 400)]
    [InlineData("""{"labels": ["a", "a"], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["a"], "images": ["aGVsbG8="], "templates": ["no placeholder"]}""", 400)]
    [InlineData("""{"labels": ["a", "b"], "images": ["aGVsbG8="], "top_k": 0}""", 400)]
    public async Task BadClassifyRequestsGetProblems(string json, int status)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await server.Http.PostAsync("/v1/classify", content, Ct);
        await ApiAssert.Error(response, status, null);
    }

    [Fact]
    public async Task UnsupportedMediaTypeUnknownRoutesAndWrongMethodsAreProblems()
    {
        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        await ApiAssert.Error(await server.Http.PostAsync("/v1/embeddings", text, Ct), 415, "unsupported_media_type");
        await ApiAssert.Error(await server.Http.GetAsync("/no/such/route", Ct), 404, "not_found");
        await ApiAssert.Error(await server.Http.GetAsync("/v1/embeddings", Ct), 405, null);
    }

    [Fact]
    public async Task BodiesOverTheUploadLimitAre413()
    {
        using var content = new ByteArrayContent(new byte[3 * 1024 * 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await ApiAssert.PostLarge(server.Http, "/v1/embeddings", content);
        await ApiAssert.Error(response, 413, "too_large");
    }

    [Fact]
    public async Task OpenApiDocumentListsTheEndpoints()
    {
        using JsonDocument doc = await GetJson("/openapi/v1.json", HttpStatusCode.OK);
        JsonElement paths = doc.RootElement.GetProperty("paths");
        // /healthz is a health-check endpoint, which ASP.NET Core does not describe in OpenAPI.
        foreach (string path in new[] { "/v1/embeddings", "/v1/classify", "/v1/tag", "/v1/locate" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task OpenApiDocumentHasRequestSchemas()
    {
        using JsonDocument doc = await GetJson("/openapi/v1.json", HttpStatusCode.OK);
        JsonElement root = doc.RootElement;
        var expected = new Dictionary<string, string[]>
        {
            ["/v1/embeddings"] = ["texts", "images", "normalize", "input", "model", "encoding_format", "dimensions"],
            ["/v1/classify"] = ["labels", "images", "templates", "top_k"],
            ["/v1/tag"] = ["labels", "labels_file", "threshold", "images"],
            ["/v1/search"] = ["image", "text", "k"],
            ["/v1/locate"] = ["image", "id", "prompts", "method", "threshold", "format"],
        };
        foreach ((string path, string[] properties) in expected)
        {
            JsonElement schema = root.GetProperty("paths").GetProperty(path).GetProperty("post")
                .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            if (schema.TryGetProperty("$ref", out JsonElement reference))
            {
                string name = reference.GetString()!.Split('/')[^1];
                schema = root.GetProperty("components").GetProperty("schemas").GetProperty(name);
            }

            JsonElement props = schema.GetProperty("properties");
            foreach (string property in properties)
            {
                Assert.True(props.TryGetProperty(property, out _), $"{path}: the request schema has no '{property}'");
            }
        }
    }

    private static StreamContent Image()
    {
        var content = new StreamContent(File.OpenRead(s_png));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }

    private async Task<JsonDocument> GetJson(string path, HttpStatusCode status)
    {
        using HttpResponseMessage response = await server.Http.GetAsync(path, Ct);
        Assert.Equal(status, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task<JsonDocument> PostJson(string path, object body, HttpStatusCode status)
    {
        using HttpResponseMessage response = await server.Http.PostAsJsonAsync(path, body, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, text);
        return JsonDocument.Parse(text);
    }
}

using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSharp.Checkpoints;
using ClipSharp.Imaging;
using ClipSharp.Localization;
using ClipSharp.Testing;

namespace ClipSharp.Server.Tests;

/// <summary>
/// POST /v1/locate against the planted index: every answer is compared with what the library itself reports for
/// the same image and prompts, and every bad input with its status and problem code.
/// </summary>
public sealed class LocateApiTests(PlantedIndex planted) : IClassFixture<PlantedIndex>
{
    private static readonly string[] s_prompts = ["a red disc", "a blue bar"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadIsAnsweredWithTheLibrarysReport()
    {
        byte[] png = await File.ReadAllBytesAsync(planted.ImagePath("photo_06.png"), Ct);
        using var form = new MultipartFormDataContent { { Png(png), "image", "query.png" } };
        foreach (string prompt in s_prompts)
        {
            form.Add(new StringContent(prompt), "prompt");
        }

        using JsonDocument body = await ApiAssert.Ok(await planted.Http.PostAsync("/v1/locate", form, Ct));
        LocateReport expected = LocateReport.Create("query.png", Locate(ImageDecoder.Decode(png, "query.png"), s_prompts));
        AssertSame(expected, body);
        Assert.Equal(["a red disc", "a blue bar"], body.RootElement.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("prompt").GetString()));
        Assert.Equal("dense", body.RootElement.GetProperty("method").GetString());

        // The shape `clip locate --json` has always printed.
        Assert.Equal(["image", "width", "height", "grid", "method", "prompts"], Names(body.RootElement));
        JsonElement first = body.RootElement.GetProperty("prompts")[0];
        Assert.Equal(["prompt", "peak", "cosine", "min_cosine", "box", "threshold", "mask_area", "mask_fraction"], Names(first));
        Assert.Equal(["x", "y"], Names(first.GetProperty("peak")));
        Assert.Equal(["left", "top", "right", "bottom"], Names(first.GetProperty("box")));

        // Base64 in JSON, with the threshold and method spelt out, gives the same report under the upload's JSON name.
        using JsonDocument again = await ApiAssert.Ok(await PostJson(new { image = Convert.ToBase64String(png), prompts = s_prompts, method = "dense", threshold = 0.5 }));
        AssertSame(LocateReport.Create("images[0]", Locate(ImageDecoder.Decode(png, "images[0]"), s_prompts)), again);
    }

    [Fact]
    public async Task AnIndexedEntryIsLocatedFromItsFile()
    {
        long id = planted.Ids["photo_03.png"];
        using JsonDocument body = await ApiAssert.Ok(await PostJson(new { id, prompts = new[] { "a green square" }, threshold = 0.25 }));
        DecodedImage image = ImageDecoder.Decode(planted.ImagePath("photo_03.png"));
        LocateReport expected = LocateReport.Create("photo_03.png", Locate(image, ["a green square"], 0.25f));
        AssertSame(expected, body);

        // The file name only: the server's paths stay its own.
        Assert.Equal("photo_03.png", body.RootElement.GetProperty("image").GetString());
        Assert.Equal(0.25f, body.RootElement.GetProperty("prompts")[0].GetProperty("threshold").GetSingle());

        // The id may come as a form field too.
        using var form = new MultipartFormDataContent { { new StringContent(id.ToString(System.Globalization.CultureInfo.InvariantCulture)), "id" }, { new StringContent("a green square"), "prompt" }, { new StringContent("0.25"), "threshold" } };
        using JsonDocument byForm = await ApiAssert.Ok(await planted.Http.PostAsync("/v1/locate", form, Ct));
        AssertSame(expected, byForm);
    }

    [Fact]
    public async Task ThePictureIsTheLibrarysOverlayWhenAskedFor()
    {
        long id = planted.Ids["photo_05.png"];
        DecodedImage image = ImageDecoder.Decode(planted.ImagePath("photo_05.png"));
        byte[] expected = LocalizationOverlay.Render(image, Locate(image, s_prompts));

        using HttpResponseMessage byFormat = await planted.Http.PostAsync("/v1/locate?format=png", Json(new { id, prompts = s_prompts }), Ct);
        Assert.True(byFormat.IsSuccessStatusCode, await byFormat.Content.ReadAsStringAsync(Ct));
        Assert.Equal("image/png", byFormat.Content.Headers.ContentType?.MediaType);
        byte[] picture = await byFormat.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(expected, picture);
        Assert.Equal(2 * image.Width, ImageDecoder.Decode(picture, "overlay.png").Width);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/locate") { Content = Json(new { id, prompts = s_prompts }) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
        using HttpResponseMessage byAccept = await planted.Http.SendAsync(request, Ct);
        Assert.Equal("image/png", byAccept.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, await byAccept.Content.ReadAsByteArrayAsync(Ct));

        // 'format' wins over Accept.
        using var json = new HttpRequestMessage(HttpMethod.Post, "/v1/locate") { Content = Json(new { id, prompts = s_prompts, format = "json" }) };
        json.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
        using JsonDocument report = await ApiAssert.Ok(await planted.Http.SendAsync(json, Ct));
        Assert.Equal(2, report.RootElement.GetProperty("prompts").GetArrayLength());
    }

    [Fact]
    public async Task ASizeLocatesInACopyScaledToFitIt()
    {
        long id = planted.Ids["photo_08.png"];
        DecodedImage fitted = ImageFit.Within(ImageDecoder.Decode(planted.ImagePath("photo_08.png")), 24);
        using JsonDocument body = await ApiAssert.Ok(await PostJson(new { id, prompts = s_prompts, size = 24 }));
        AssertSame(LocateReport.Create("photo_08.png", Locate(fitted, s_prompts)), body);
        Assert.Equal((24, 20), (body.RootElement.GetProperty("width").GetInt32(), body.RootElement.GetProperty("height").GetInt32()));

        using HttpResponseMessage png = await PostJson(new { id, prompts = s_prompts }, "?format=png&size=24");
        Assert.Equal(LocalizationOverlay.Render(fitted, Locate(fitted, s_prompts)), await png.Content.ReadAsByteArrayAsync(Ct));

        // Never enlarged.
        using JsonDocument large = await ApiAssert.Ok(await PostJson(new { id, prompts = s_prompts, size = 512 }));
        Assert.Equal(48, large.RootElement.GetProperty("width").GetInt32());
    }

    [Theory]
    [InlineData("""{"id": 1}""", 400, "bad_request", "at least one prompt")]
    [InlineData("""{"id": 1, "prompts": []}""", 400, "bad_request", "at least one prompt")]
    [InlineData("""{"id": 1, "prompts": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}""", 413, "too_large", "9 prompts")]
    [InlineData("""{"id": 1, "prompts": ["a cat", " "]}""", 400, "bad_request", "prompts[1]")]
    [InlineData("""{"id": 1, "prompts": ["a cat", "a cat"]}""", 400, "bad_request", "more than once")]
    [InlineData("""{"id": 1, "prompts": [5]}""", 400, "bad_request", "'prompts'")]
    [InlineData("""{"id": 1, "texts": ["a cat"]}""", 400, "bad_request", "'prompts'")]
    [InlineData("""{"id": 987654, "prompts": ["a cat"]}""", 404, "not_found", "987654")]
    [InlineData("""{"id": "abc", "prompts": ["a cat"]}""", 400, "bad_request", "'id'")]
    [InlineData("""{"id": -1, "prompts": ["a cat"]}""", 400, "bad_request", "'id'")]
    [InlineData("""{"prompts": ["a cat"]}""", 400, "bad_request", "exactly one image")]
    [InlineData("""{"image": "AAAA", "id": 1, "prompts": ["a cat"]}""", 400, "bad_request", "exactly one image")]
    [InlineData("""{"image": "@@@@", "prompts": ["a cat"]}""", 400, "bad_request", "base64")]
    [InlineData("""{"image": "AAECAwQ=", "prompts": ["a cat"]}""", 422, "bad_image", "images[0]")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "method": "gradcam"}""", 400, "bad_request", "'method'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "method": "gradient"}""", 422, "method_unavailable", "gradient")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "threshold": 2}""", 400, "bad_request", "'threshold'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "format": "gif"}""", 400, "bad_request", "'format'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "size": 8}""", 400, "bad_request", "'size'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "size": "big"}""", 400, "bad_request", "'size'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "stride": 8}""", 400, "bad_request", "'stride'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "method": "occlusion", "stride": 0}""", 400, "bad_request", "'stride'")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "method": "occlusion", "stride": 3}""", 400, "bad_request", "'stride' must divide")]
    [InlineData("""{"id": 1, "prompts": ["a cat"], "method": "occlusion"}""", 422, "locate_too_costly", "907")]
    [InlineData("""["a cat"]""", 400, "bad_request", "object")]
    public async Task BadInputsAreProblemsNamingThem(string json, int status, string code, string named)
    {
        // Entry 1 may not be an intact image; the checks before the image are what these cases are about, and the
        // rest name an id that is.
        string body = json.Replace("\"id\": 1,", $"\"id\": {planted.Ids["photo_01.png"]},", StringComparison.Ordinal);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await planted.Http.PostAsync("/v1/locate", content, Ct);
        string detail = await ProblemDetail(response);
        Assert.Contains(named, detail, StringComparison.Ordinal);
        await ApiAssert.Error(response, status, code);
    }

    [Fact]
    public async Task VanishedFilesUnknownIdsAndOtherBodiesAreRefused()
    {
        await ApiAssert.Error(await PostJson(new { id = planted.VanishedId, prompts = s_prompts }), 404, "not_found");
        await ApiAssert.Error(await PostJson(new { id = planted.LinkedId, prompts = s_prompts }), 404, "not_found");
        await ApiAssert.Error(await PostJson(new { id = planted.Ids["photo_01.png"], prompts = s_prompts }, "?format=png&method=nope"), 400, "bad_request");

        byte[] png = await File.ReadAllBytesAsync(planted.ImagePath("photo_01.png"), Ct);
        using (var plain = new ByteArrayContent(png))
        {
            plain.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/locate", plain, Ct), 415, "unsupported_media_type");
        }

        using (var garbage = new MultipartFormDataContent { { Png([1, 2, 3, 4]), "image", "broken.png" }, { new StringContent("a cat"), "prompt" } })
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/locate", garbage, Ct), 422, "bad_image");
        }

        using (var two = new MultipartFormDataContent { { Png(png), "image", "a.png" }, { Png(png), "image", "b.png" }, { new StringContent("a cat"), "prompt" } })
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/locate", two, Ct), 400, "bad_request");
        }
    }

    [Fact]
    public async Task ImagesBeyondThePixelLimitAreRefusedBeforeDecoding()
    {
        await using ClipServer small = ClipServer.Create(planted.Clip, planted.Index, PlantedIndex.Options with { MaxLocatePixels = 100 });
        await small.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri(small.Urls[0]) };
        using HttpResponseMessage byId = await http.PostAsync("/v1/locate", Json(new { id = planted.Ids["photo_01.png"], prompts = s_prompts }), Ct);
        Assert.Contains("48 x 40", await ProblemDetail(byId), StringComparison.Ordinal);
        await ApiAssert.Error(byId, 413, "too_large");
        byte[] png = await File.ReadAllBytesAsync(planted.ImagePath("photo_01.png"), Ct);
        await ApiAssert.Error(await http.PostAsync("/v1/locate", Json(new { image = Convert.ToBase64String(png), prompts = s_prompts }), Ct), 413, "too_large");

        // Scaled to fit a box first, the heat maps are the box's size, so the limit is not the full image's.
        using JsonDocument fitted = await ApiAssert.Ok(await http.PostAsync("/v1/locate", Json(new { image = Convert.ToBase64String(png), prompts = s_prompts, size = 16 }), Ct));
        Assert.Equal(16, fitted.RootElement.GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task OcclusionOverTheCostBoundIsRefusedBeforeAnyWorkNamingAStrideThatFits()
    {
        // The fixture's defaults (stride 2 on its 32 pixels) cost 907 embeddings, over the default bound of 600.
        Assert.Equal(907, ClipLocator.Create(planted.Clip, LocateOptions.Default with { Method = LocateMethod.Occlusion }).ImageEmbeddings(1));
        Assert.Equal(600, PlantedIndex.Options.MaxLocateEmbeddings);

        // A vanished file is not even looked for: the cost is known from the request alone.
        using HttpResponseMessage refused = await PostJson(new { id = planted.VanishedId, prompts = s_prompts, method = "occlusion" });
        string detail = await ProblemDetail(refused);
        await ApiAssert.Error(refused, 422, "locate_too_costly");
        Assert.Contains("907", detail, StringComparison.Ordinal);
        Assert.Contains("600", detail, StringComparison.Ordinal);
        Assert.Contains("'stride' 4 costs 146", detail, StringComparison.Ordinal);

        // The stride it names fits, and is the library's map at that stride.
        byte[] png = await File.ReadAllBytesAsync(planted.ImagePath("photo_04.png"), Ct);
        using JsonDocument body = await ApiAssert.Ok(await PostJson(new { image = Convert.ToBase64String(png), prompts = s_prompts, method = "occlusion", stride = 4 }));
        var strided = LocateOptions.Default with { Method = LocateMethod.Occlusion, OcclusionStride = 4 };
        AssertSame(LocateReport.Create("images[0]", ClipLocator.Create(planted.Clip, strided).Locate(ImageDecoder.Decode(png, "images[0]"), s_prompts)), body);
        Assert.Equal(8, body.RootElement.GetProperty("grid").GetInt32());
    }

    [Theory]
    [InlineData(907)]
    [InlineData(0)]
    public async Task OcclusionAtTheCostBoundOrWithTheBoundOffRuns(int bound)
    {
        await using ClipServer server = ClipServer.Create(planted.Clip, PlantedIndex.Options with { MaxLocateEmbeddings = bound });
        await server.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri(server.Urls[0]) };
        byte[] png = await File.ReadAllBytesAsync(planted.ImagePath("photo_05.png"), Ct);
        using JsonDocument body = await ApiAssert.Ok(await http.PostAsync(
            "/v1/locate", Json(new { image = Convert.ToBase64String(png), prompts = s_prompts, method = "occlusion" }), Ct));
        var occlusion = LocateOptions.Default with { Method = LocateMethod.Occlusion };
        AssertSame(LocateReport.Create("images[0]", ClipLocator.Create(planted.Clip, occlusion).Locate(ImageDecoder.Decode(png, "images[0]"), s_prompts)), body);
    }

    [Fact]
    public void ANegativeCostBoundIsRefusedAtRegistration()
        => Assert.Throws<ClipServerOptionsException>(() => ClipServer.Create(planted.Clip, PlantedIndex.Options with { MaxLocateEmbeddings = -1 }));

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public async Task TheGradientMethodRunsWhereTheServedModelKeepsItsWeights(string model)
    {
        Clip trainable = Clip.FromCheckpoint(ModelFolder.Load(Fixtures.GoldenPath("model", model), Fixtures.TinyVocab));
        await using ClipServer server = ClipServer.Create(trainable, new ClipServerOptions { Port = 0 });
        await server.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri(server.Urls[0]) };
        byte[] png = await File.ReadAllBytesAsync(planted.ImagePath("photo_02.png"), Ct);
        using HttpResponseMessage response = await http.PostAsync(
            "/v1/locate", Json(new { image = Convert.ToBase64String(png), prompts = s_prompts, method = "gradient" }), Ct);
        using JsonDocument body = await ApiAssert.Ok(response);
        IReadOnlyList<PromptLocation> located = ClipLocator.Create(trainable, LocateOptions.Default with { Method = LocateMethod.Gradient })
            .Locate(ImageDecoder.Decode(png, "images[0]"), s_prompts);
        AssertSame(LocateReport.Create("images[0]", located), body);
        JsonElement first = body.RootElement.GetProperty("prompts")[0];
        Assert.True(first.TryGetProperty("relevance", out _));
        Assert.False(first.TryGetProperty("cosine", out _));

        // Without an index, an id has nothing to name.
        await ApiAssert.Error(await http.PostAsync("/v1/locate", Json(new { id = 1, prompts = s_prompts }), Ct), 404, "no_index");
    }

    private IReadOnlyList<PromptLocation> Locate(DecodedImage image, string[] prompts, float threshold = ClipLocator.DefaultThreshold)
        => ClipLocator.Create(planted.Clip).Locate(image, prompts, threshold: threshold);

    /// <summary>The answer is the library's record as the library's own attributes name it, field for field.</summary>
    private static void AssertSame(LocateReport expected, JsonDocument actual)
    {
        JsonNode? want = JsonSerializer.SerializeToNode(expected);
        JsonNode? got = JsonNode.Parse(actual.RootElement.GetRawText());
        Assert.True(JsonNode.DeepEquals(want, got), $"expected {want?.ToJsonString()}\n     got {got?.ToJsonString()}");
    }

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    private static async Task<string> ProblemDetail(HttpResponseMessage response)
    {
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return problem.RootElement.GetProperty("detail").GetString()!;
    }

    private Task<HttpResponseMessage> PostJson(object body, string query = "")
        => planted.Http.PostAsync("/v1/locate" + query, Json(body), Ct);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static ByteArrayContent Png(byte[] data)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }
}

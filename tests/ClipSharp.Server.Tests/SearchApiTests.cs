using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ClipSharp.Search;
using ClipSharp.Testing;
using SkiaSharp;

namespace ClipSharp.Server.Tests;

public sealed class SearchApiTests(PlantedIndex planted) : IClassFixture<PlantedIndex>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TextSearchRanksThePlantedImageFirst()
    {
        (string query, long expected, float margin) = planted.PlantedTextQuery();
        Assert.True(margin > 1e-4f, $"the planted query wins by only {margin}");
        using JsonDocument body = await ApiAssert.Ok(await planted.Http.GetAsync($"/v1/search?q={Uri.EscapeDataString(query)}&k=5", Ct));
        JsonElement[] results = [.. body.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(5, results.Length);
        Assert.Equal(expected, results[0].GetProperty("id").GetInt64());
        Assert.Equal("text", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal(Enumerable.Range(1, 5), results.Select(r => r.GetProperty("rank").GetInt32()));
        float[] scores = [.. results.Select(r => r.GetProperty("score").GetSingle())];
        Assert.Equal(scores.OrderDescending(), scores);

        // The same answer as the library gives for the same query.
        IReadOnlyList<SearchHit> library = planted.Index.Search(planted.Clip.EncodeTexts([query]).Span, 5);
        Assert.Equal(library.Select(h => h.Id), results.Select(r => r.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task UploadedCopyOfAnIndexedImageFindsItWithScoreOne()
    {
        long expected = planted.Ids["photo_07.png"];
        byte[] copy = await File.ReadAllBytesAsync(planted.ImagePath("photo_07.png"), Ct);
        using var form = new MultipartFormDataContent { { Png(copy), "image", "query.png" }, { new StringContent("3"), "k" } };
        using JsonDocument body = await ApiAssert.Ok(await planted.Http.PostAsync("/v1/search", form, Ct));
        JsonElement[] results = [.. body.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, results.Length);
        Assert.Equal(expected, results[0].GetProperty("id").GetInt64());
        Assert.Equal(1f, results[0].GetProperty("score").GetSingle(), 1e-5f);
        Assert.Equal("photo_07.png", results[0].GetProperty("name").GetString());
        Assert.Equal($"/v1/images/{expected}/thumbnail", results[0].GetProperty("thumbnail_url").GetString());

        // Base64 in JSON gives the same answer.
        using var json = new StringContent(JsonSerializer.Serialize(new { image = Convert.ToBase64String(copy), k = 3 }), Encoding.UTF8, "application/json");
        using JsonDocument again = await ApiAssert.Ok(await planted.Http.PostAsync("/v1/search", json, Ct));
        Assert.Equal(expected, again.RootElement.GetProperty("results")[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task LikeSearchesFromAStoredEmbedding()
    {
        long id = planted.Ids["photo_03.png"];
        using JsonDocument body = await ApiAssert.Ok(await planted.Http.GetAsync($"/v1/search?like={id}&k=100", Ct));
        JsonElement[] results = [.. body.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(planted.Index.Count, results.Length);
        Assert.Equal(id, results[0].GetProperty("id").GetInt64());
        Assert.Equal(1f, results[0].GetProperty("score").GetSingle(), 1e-5f);
    }

    [Fact]
    public async Task ImagesAreServedByIdExactly()
    {
        long id = planted.Ids["photo_02.png"];
        using HttpResponseMessage response = await planted.Http.GetAsync($"/v1/images/{id}", Ct);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(planted.ImagePath("photo_02.png"), Ct), await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData(null, 48, 40)]
    [InlineData(24, 24, 20)]
    [InlineData(512, 48, 40)]
    public async Task ThumbnailsFitTheBoxWithoutEnlarging(int? size, int width, int height)
    {
        long id = planted.Ids["photo_05.png"];
        string url = $"/v1/images/{id}/thumbnail" + (size is null ? string.Empty : $"?size={size}");
        using HttpResponseMessage response = await planted.Http.GetAsync(url, Ct);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        byte[] jpeg = await response.Content.ReadAsByteArrayAsync(Ct);
        using SKBitmap bitmap = SKBitmap.Decode(jpeg);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));

        // Served from the cache the second time: the same bytes.
        using HttpResponseMessage again = await planted.Http.GetAsync(url, Ct);
        Assert.Equal(jpeg, await again.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("/v1/search", 400, "bad_request")]
    [InlineData("/v1/search?q=", 400, "bad_request")]
    [InlineData("/v1/search?q=%20%20", 400, "bad_request")]
    [InlineData("/v1/search?q=dog&k=0", 400, "bad_request")]
    [InlineData("/v1/search?q=dog&k=-3", 400, "bad_request")]
    [InlineData("/v1/search?q=dog&k=101", 400, "bad_request")]
    [InlineData("/v1/search?q=dog&k=99999999999999999999", 400, "bad_request")]
    [InlineData("/v1/search?q=dog&k=ten", 400, "bad_request")]
    [InlineData("/v1/search?q=dog&like=1", 400, "bad_request")]
    [InlineData("/v1/search?like=abc", 400, "bad_request")]
    [InlineData("/v1/search?like=-1", 400, "bad_request")]
    [InlineData("/v1/search?like=987654", 404, "not_found")]
    [InlineData("/v1/images/abc", 400, "bad_request")]
    [InlineData("/v1/images/1.5", 400, "bad_request")]
    [InlineData("/v1/images/987654", 404, "not_found")]
    [InlineData("/v1/images/99999999999999999999999", 400, "bad_request")]
    [InlineData("/v1/images/..%2F..%2Fsecret.txt", 400, "bad_request")]
    [InlineData("/v1/images/%2Fetc%2Fpasswd", 400, "bad_request")]
    [InlineData("/v1/images/../../secret.txt", 404, "not_found")]
    [InlineData("/v1/images/1/thumbnail?size=0", 400, "bad_request")]
    [InlineData("/v1/images/1/thumbnail?size=513", 400, "bad_request")]
    [InlineData("/v1/images/1/thumbnail?size=big", 400, "bad_request")]
    [InlineData("/v1/images/x/thumbnail", 400, "bad_request")]
    public async Task BadGetRequestsGetJsonErrors(string url, int status, string code)
        => await ApiAssert.Error(await planted.Http.GetAsync(url, Ct), status, code);

    [Fact]
    public async Task LongTextQueriesAreRefused()
        => await ApiAssert.Error(await planted.Http.GetAsync("/v1/search?q=" + new string('a', 3000), Ct), 413, "too_large");

    [Fact]
    public async Task VanishedAndRelinkedFilesAreNotServed()
    {
        foreach (long id in new[] { planted.VanishedId, planted.LinkedId })
        {
            await ApiAssert.Error(await planted.Http.GetAsync($"/v1/images/{id}", Ct), 404, "not_found");
            await ApiAssert.Error(await planted.Http.GetAsync($"/v1/images/{id}/thumbnail", Ct), 404, "not_found");
        }

        // Their embeddings are still in the index, so searches may return them; only the file is gone.
        await ApiAssert.Ok(await planted.Http.GetAsync($"/v1/search?like={planted.VanishedId}", Ct));
    }

    [Fact]
    public async Task BadUploadsGetJsonErrors()
    {
        using (var garbage = new MultipartFormDataContent { { Png([1, 2, 3, 4]), "image", "broken.png" } })
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/search", garbage, Ct), 422, "bad_image");
        }

        byte[] a = PlantedImages.Png(1), b = PlantedImages.Png(2);
        using (var two = new MultipartFormDataContent { { Png(a), "image", "a.png" }, { Png(b), "image", "b.png" } })
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/search", two, Ct), 400, "bad_request");
        }

        using (var none = new MultipartFormDataContent { { new StringContent("5"), "k" } })
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/search", none, Ct), 400, "bad_request");
        }

        using (var badK = new MultipartFormDataContent { { Png(a), "image", "a.png" }, { new StringContent("0"), "k" } })
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/search", badK, Ct), 400, "bad_request");
        }

        using (var plain = new ByteArrayContent(a))
        {
            plain.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/search", plain, Ct), 415, "unsupported_media_type");
        }

        using (var huge = new MultipartFormDataContent { { new ByteArrayContent(new byte[3 * 1024 * 1024]), "image", "huge.png" } })
        {
            await ApiAssert.Error(await ApiAssert.PostLarge(planted.Http, "/v1/search", huge), 413, "too_large");
        }

        using (var badJson = new StringContent("""{"image": 5}""", Encoding.UTF8, "application/json"))
        {
            await ApiAssert.Error(await planted.Http.PostAsync("/v1/search", badJson, Ct), 400, "bad_request");
        }
    }

    [Fact]
    public void AnIndexFromAnotherModelIsRefused()
    {
        Clip other = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, Ct);
        other.Model.Parameters.Data[0] += 0.5f;
        var e = Assert.Throws<SearchIndexException>(() => ClipServer.Create(other, planted.Index, PlantedIndex.Options));
        Assert.Contains("the index was built with model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthDescribesTheIndex()
    {
        using JsonDocument body = await ApiAssert.Ok(await planted.Http.GetAsync("/healthz", Ct));
        JsonElement index = body.RootElement.GetProperty("index");
        Assert.Equal(PlantedIndex.ImageCount + 2, index.GetProperty("entries").GetInt32());
        Assert.Equal("image", index.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task OpenApiListsTheSearchEndpoints()
    {
        using JsonDocument doc = await ApiAssert.Ok(await planted.Http.GetAsync("/openapi/v1.json", Ct));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        foreach (string path in new[] { "/v1/search", "/v1/images/{id}", "/v1/images/{id}/thumbnail", "/v1/tag", "/v1/locate" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.True(paths.GetProperty("/v1/search").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task ThePageIsServedWithItsAssets()
    {
        using HttpResponseMessage page = await planted.Http.GetAsync("/", Ct);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("id=\"q\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html.Replace("http-equiv", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        foreach (string asset in new[] { "/app.js", "/app.css" })
        {
            using HttpResponseMessage r = await planted.Http.GetAsync(asset, Ct);
            Assert.True(r.IsSuccessStatusCode, asset);
        }
    }

    private static ByteArrayContent Png(byte[] data)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }
}

using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClipSharp.Applications;
using ClipSharp.Testing;

namespace ClipSharp.Server.Tests;

public sealed class TagApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string s_png = Fixtures.GoldenPath("preprocess", "small_100x50.png");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VerdictsMatchTheLibraryTagger()
    {
        string[] lines = ["red", "blue | threshold=0.2 | negative=a photo of a tree.", "car | prompt=a car parked outside."];
        string b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(s_png, Ct));
        using HttpResponseMessage response = await server.Http.PostAsJsonAsync("/v1/tag", new { labels = lines, threshold = 0.4, images = new[] { b64 } }, Ct);
        using JsonDocument body = await ApiAssert.Ok(response);
        JsonElement result = body.RootElement.GetProperty("results")[0];

        ImageTagger tagger = ImageTagger.Create(server.Clip, LabelsFile.Parse(lines, "test"), 0.4f);
        TagVerdict expected = tagger.Tag(["x"], server.Clip.EncodeImageFiles([s_png], cancellation: Ct)[0].Embedding!)[0];
        JsonElement[] labels = [.. result.GetProperty("labels").EnumerateArray()];
        Assert.Equal(expected.Scores.Select(s => s.Label), labels.Select(l => l.GetProperty("label").GetString()));
        Assert.Equal(expected.Scores.Select(s => s.Probability), labels.Select(l => l.GetProperty("probability").GetSingle()));
        Assert.Equal(expected.Scores.Select(s => s.Threshold), labels.Select(l => l.GetProperty("threshold").GetSingle()));
        Assert.Equal(expected.Tags, result.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task MultipartTakesALabelsFile()
    {
        using var image = new StreamContent(File.OpenRead(s_png));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("# moderation\ncat\ndog | threshold=0.9\n"), "labels_file" },
            { image, "image", "small.png" },
        };
        using JsonDocument body = await ApiAssert.Ok(await server.Http.PostAsync("/v1/tag", form, Ct));
        JsonElement result = body.RootElement.GetProperty("results")[0];
        Assert.Equal("small.png", result.GetProperty("image").GetString());
        Assert.Equal(["cat", "dog"], result.GetProperty("labels").EnumerateArray().Select(l => l.GetProperty("label").GetString()));
        Assert.Equal(0.9f, result.GetProperty("labels")[1].GetProperty("threshold").GetSingle());
    }

    [Theory]
    [InlineData("""{"images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["# only a comment"], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat"]}""", 400)]
    [InlineData("""{"labels": ["cat", "cat"], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat | colour=red"], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat | threshold=2"], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat"], "threshold": 1.5, "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat"], "threshold": "high", "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": [3], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat"], "texts": ["a"], "images": ["aGVsbG8="]}""", 400)]
    [InlineData("""{"labels": ["cat"], "images": ["aGVsbG8="]}""", 422)]
    public async Task BadTagRequestsGetJsonErrors(string json, int status)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        await ApiAssert.Error(await server.Http.PostAsync("/v1/tag", content, Ct), status);
    }

    [Fact]
    public async Task SearchWithoutAnIndexIsAJson404()
    {
        await ApiAssert.Error(await server.Http.GetAsync("/v1/search?q=dog", Ct), 404, "no_index");
        await ApiAssert.Error(await server.Http.GetAsync("/v1/images/1", Ct), 404, "no_index");
    }
}

using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using OpenAI.Embeddings;

namespace ClipSharp.Server.Tests;

/// <summary>POST /v1/embeddings speaks OpenAI's embeddings API: the official client works against it unchanged.</summary>
public sealed class OpenAiCompatibilityTests
{
    private const string Key = "correct-horse-battery-staple-42";

    private static readonly string[] s_texts = ["a photo of a cat", "a red car on a street", "two dogs"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OfficialClientGetsTheLibrarysEmbeddings()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { ApiKey = Key });
        EmbeddingClient client = Client(app, Key);
        ClientResult<OpenAIEmbeddingCollection> result = await client.GenerateEmbeddingsAsync(s_texts, cancellationToken: Ct);
        OpenAIEmbeddingCollection embeddings = result.Value;
        Assert.Equal(s_texts.Length, embeddings.Count);
        Assert.Equal(app.Clip.Name, embeddings.Model);
        float[] expected = app.Clip.EncodeTexts(s_texts).ToArray();
        int d = app.Clip.EmbedDim;
        for (int i = 0; i < s_texts.Length; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            Assert.Equal(expected.AsSpan(i * d, d).ToArray(), embeddings[i].ToFloats().ToArray());
        }

        int tokens = s_texts.Sum(t => app.Clip.Tokenizer.Encode(t).Length + 2);
        Assert.Equal(tokens, embeddings.Usage.InputTokenCount);
        Assert.Equal(tokens, embeddings.Usage.TotalTokenCount);

        OpenAIEmbedding one = (await client.GenerateEmbeddingAsync("two dogs", cancellationToken: Ct)).Value;
        Assert.Equal(expected.AsSpan(2 * d, d).ToArray(), one.ToFloats().ToArray());
    }

    [Fact]
    public async Task OfficialClientSeesRefusals()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { ApiKey = Key });
        var wrong = await Assert.ThrowsAsync<ClientResultException>(() => Client(app, Key + "-wrong").GenerateEmbeddingAsync("a cat", cancellationToken: Ct));
        Assert.Equal(401, wrong.Status);
        var shortened = await Assert.ThrowsAsync<ClientResultException>(
            () => Client(app, Key).GenerateEmbeddingAsync("a cat", new EmbeddingGenerationOptions { Dimensions = 8 }, Ct));
        Assert.Equal(400, shortened.Status);
        OpenAIEmbedding full = (await Client(app, Key).GenerateEmbeddingAsync("a cat", new EmbeddingGenerationOptions { Dimensions = app.Clip.EmbedDim }, Ct)).Value;
        Assert.Equal(app.Clip.EmbedDim, full.ToFloats().Length);
    }

    [Fact]
    public async Task FloatResponseHasOpenAisExactShape()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions());
        using HttpResponseMessage response = await app.Http.PostAsJsonAsync("/v1/embeddings", new { input = "a photo of a cat", model = "clip", encoding_format = "float" }, Ct);
        using JsonDocument body = await ApiAssert.Ok(response);
        JsonElement root = body.RootElement;
        Assert.Equal(["object", "data", "model", "usage"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("list", root.GetProperty("object").GetString());
        JsonElement item = root.GetProperty("data").EnumerateArray().Single();
        Assert.Equal(["object", "index", "embedding"], item.EnumerateObject().Select(p => p.Name));
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        Assert.Equal(0, item.GetProperty("index").GetInt32());
        Assert.Equal(app.Clip.EncodeTexts(["a photo of a cat"]).ToArray(), item.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        Assert.Equal(["prompt_tokens", "total_tokens"], root.GetProperty("usage").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("""{"input": "a cat"}""")]
    [InlineData("""{"input": [], "model": "clip"}""")]
    [InlineData("""{"input": [""], "model": "clip"}""")]
    [InlineData("""{"input": [[1, 2, 3]], "model": "clip"}""")]
    [InlineData("""{"input": [1, 2, 3], "model": "clip"}""")]
    [InlineData("""{"input": "a cat", "model": "clip", "encoding_format": "int8"}""")]
    [InlineData("""{"input": "a cat", "model": "clip", "dimensions": 8}""")]
    [InlineData("""{"input": "a cat", "model": "clip", "texts": ["a dog"]}""")]
    public async Task BadOpenAiRequestsAreProblems(string json)
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions());
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        await ApiAssert.Error(await app.Http.PostAsync("/v1/embeddings", content, Ct), 400, "bad_request");
    }

    [Fact]
    public async Task TooManyInputsAre413()
    {
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { MaxBatchItems = 2 });
        using HttpResponseMessage response = await app.Http.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "a", "b", "c" }, model = "clip" }, Ct);
        await ApiAssert.Error(response, 413, "too_large");
    }

    private static EmbeddingClient Client(MappedApp app, string key)
        => new("clip", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(app.BaseAddress, "/v1") });
}

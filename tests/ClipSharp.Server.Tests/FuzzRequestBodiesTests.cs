using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ClipSharp.Testing;
using ClipSharp.Testing.Fuzzing;

namespace ClipSharp.Server.Tests;

/// <summary>
/// Mutated JSON and multipart bodies (and their content types) for every endpoint that reads one: each is answered
/// with a success or a 4xx <c>application/problem+json</c> with its code, never a 5xx, within a time limit and
/// allocating (the whole process, server included) no more than a bounded multiple of the body.
/// </summary>
[Collection(AllocationMeasuredCollection.Name)]
public sealed class FuzzRequestBodiesTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const string Boundary = "fuzz-boundary-6500";

    // A decoded upload (RGBA and the resized tensors), the model's activations, and copies of the body on the way in.
    private const long AllocationPerBodyByte = 64;
    private const long AllocationSlack = 64L << 20;

    private static readonly byte[][] s_jsonTokens =
    [
        "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "\""u8.ToArray(), ":"u8.ToArray(), ","u8.ToArray(),
        "null"u8.ToArray(), "true"u8.ToArray(), "1e999"u8.ToArray(), "-0"u8.ToArray(), "99999999999999999999"u8.ToArray(),
        "\"\\ud800\""u8.ToArray(), "\"\\udfff\\ud800\""u8.ToArray(), "\"\\u0000\""u8.ToArray(), "\"\""u8.ToArray(), "[]"u8.ToArray(), "{}"u8.ToArray(),
        "\"input\":"u8.ToArray(), "\"texts\":"u8.ToArray(), "\"images\":"u8.ToArray(), "\"labels\":"u8.ToArray(), "\"top_k\":"u8.ToArray(),
        "\"threshold\":"u8.ToArray(), "\"prompts\":"u8.ToArray(), "\"id\":"u8.ToArray(), "\"method\":"u8.ToArray(), "\"data:image/png;base64,\""u8.ToArray(), "\"@@@@\""u8.ToArray(), [0xC3], [0xFF], [0xEF, 0xBB, 0xBF],
        Encoding.UTF8.GetBytes(new string('[', 200)),
    ];

    private static readonly byte[][] s_multipartTokens =
    [
        Encoding.ASCII.GetBytes("--" + Boundary + "\r\n"), Encoding.ASCII.GetBytes("\r\n--" + Boundary + "--\r\n"), "\r\n"u8.ToArray(),
        "\r\n\r\n"u8.ToArray(), "Content-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"u8.ToArray(),
        "Content-Disposition: form-data; name=\"text\"\r\n"u8.ToArray(), "Content-Type: image/png\r\n"u8.ToArray(),
        "filename*=UTF-8''%FF%FE"u8.ToArray(), "name=\"\""u8.ToArray(), "\"labels\""u8.ToArray(), "\"top_k\""u8.ToArray(), "\"prompt\""u8.ToArray(), "\"id\""u8.ToArray(), [0], [0xC3],
    ];

    private static readonly string[] s_multipartTypes =
    [
        $"multipart/form-data; boundary={Boundary}", "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
        $"multipart/form-data; boundary={new string('b', 300)}", "multipart/mixed; boundary=x", $"multipart/form-data; boundary={Boundary}; charset=bogus",
    ];

    private static readonly string[] s_jsonTypes = ["application/json", "application/json; charset=utf-16", "text/plain", "application/problem+json", "application/json; charset=bogus"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MutatedJsonBodiesAreAnsweredWithSuccessOrAProblem()
    {
        string image = Convert.ToBase64String(await File.ReadAllBytesAsync(Fixtures.GoldenPath("preprocess", "small_100x50.png"), Ct));
        (string Path, byte[] Body)[] seeds =
        [
            ("/v1/embeddings", Json(new { texts = new[] { "a photo of a cat", "a dog" }, images = new[] { image }, normalize = false })),
            ("/v1/embeddings", Json(new { input = new[] { "a cat", "a dog" }, model = "clip", encoding_format = "base64", dimensions = 32 })),
            ("/v1/classify", Json(new { labels = new[] { "cat", "dog" }, images = new[] { image }, templates = "single", top_k = 2 })),
            ("/v1/tag", Json(new { labels = new[] { "cat | threshold=0.7", "dog | negative=a cat" }, threshold = 0.5, images = new[] { image } })),
            ("/v1/locate", Json(new { prompts = new[] { "a cat", "a dog" }, image, method = "dense", threshold = 0.5, format = "json" })),
        ];
        await Fuzz("json bodies", seeds, s_jsonTokens, s_jsonTypes, 6500, 1600);
    }

    [Fact]
    public async Task MutatedMultipartBodiesAreAnsweredWithSuccessOrAProblem()
    {
        byte[] png = await File.ReadAllBytesAsync(Fixtures.GoldenPath("preprocess", "small_100x50.png"), Ct);
        (string Path, byte[] Body)[] seeds =
        [
            ("/v1/embeddings", await Multipart(png, ("text", "a dog"), ("text", "a cat"), ("normalize", "false"))),
            ("/v1/classify", await Multipart(png, ("labels", "cat, dog,car"), ("top_k", "2"), ("templates", "single"))),
            ("/v1/tag", await Multipart(png, ("labels", "cat | threshold=0.7"), ("labels_file", "dog | negative=a cat\nbird\n"), ("threshold", "0.4"))),
            ("/v1/locate", await Multipart(png, ("prompt", "a dog"), ("prompt", "a cat"), ("format", "png"))),
        ];
        await Fuzz("multipart bodies", seeds, s_multipartTokens, s_multipartTypes, 6600, 1600);
    }

    // Found by the fuzzer: reading an escaped lone surrogate threw InvalidOperationException, a 500.
    [Theory]
    [InlineData("/v1/embeddings", "{\"texts\": [\"a \\ud800 cat\"]}")]
    [InlineData("/v1/embeddings", "{\"input\": \"\\udfff\", \"model\": \"clip\"}")]
    [InlineData("/v1/classify", "{\"labels\": [\"cat\"], \"\\ud800\": 1}")]
    public async Task AnEscapedLoneSurrogateIsABadRequest(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        await ApiAssert.Error(await server.Http.PostAsync(path, content, Ct), 400, "bad_request");
    }

    // Found by the fuzzer: a multipart body cut before its closing boundary was an IOException, a 500.
    [Fact]
    public async Task ATruncatedMultipartBodyIsABadRequest()
    {
        byte[] png = await File.ReadAllBytesAsync(Fixtures.GoldenPath("preprocess", "small_100x50.png"), Ct);
        byte[] body = await Multipart(png, ("text", "a dog"));
        using var content = new ByteArrayContent(body[..(body.Length / 2)]);
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={Boundary}");
        await ApiAssert.Error(await server.Http.PostAsync("/v1/embeddings", content, Ct), 400, "bad_request");
    }

    private async Task Fuzz(string parser, (string Path, byte[] Body)[] seeds, byte[][] tokens, string[] contentTypes, int seed, int cases)
    {
        var mutator = new Mutator(seed, tokens: tokens);
        var run = new FuzzRun(parser, output) { CaseTimeout = TimeSpan.FromSeconds(30) };
        for (int i = 0; i < cases; i++)
        {
            (string path, byte[] body) = seeds[i % seeds.Length];
            (MutationKind kind, byte[] mutated) = mutator.Next([body], i / seeds.Length, maxRandomLength: 2048);
            // One case in eight keeps the body and damages its content type instead.
            string contentType = i % 8 == 7 ? contentTypes[mutator.Random.Next(contentTypes.Length)] : contentTypes[0];
            byte[] sent = i % 8 == 7 ? body : mutated;
            string label = i % 8 == 7 ? "content type" : kind.ToString();
            await run.CaseAsync($"case {i} {path}", AllocationSlack + (AllocationPerBodyByte * sent.Length), cancel => Send(run, path, sent, contentType, cancel), label, sent);
        }

        run.Finish();
    }

    /// <summary>Null when the answer is a success or a well-formed 4xx problem; else what is wrong with it.</summary>
    private async Task<string?> Send(FuzzRun run, string path, byte[] body, string contentType, CancellationToken cancel)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using HttpResponseMessage response = await server.Http.PostAsync(path, content, cancel);
        int status = (int)response.StatusCode;
        string text = await response.Content.ReadAsStringAsync(cancel);
        if (status is >= 200 and < 300)
        {
            run.Count("2xx");
            if (response.Content.Headers.ContentType?.MediaType == "image/png")
            {
                // The overlay /v1/locate draws when asked for the picture.
                return null;
            }

            using JsonDocument ok = JsonDocument.Parse(text);
            return null;
        }

        if (status is < 400 or >= 500)
        {
            return $"answered {status}: {text}";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"answered {status} as {response.Content.Headers.ContentType}, not a problem: {text}";
        }

        using JsonDocument problem = JsonDocument.Parse(text);
        string? code = problem.RootElement.TryGetProperty("code", out JsonElement c) ? c.GetString() : null;
        if (string.IsNullOrEmpty(code) || problem.RootElement.GetProperty("status").GetInt32() != status)
        {
            return $"answered {status} with a problem lacking its code or status: {text}";
        }

        run.Count($"{status} {code}");
        return null;
    }

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static async Task<byte[]> Multipart(byte[] png, params (string Name, string Value)[] fields)
    {
        using var form = new MultipartFormDataContent(Boundary);
        foreach ((string name, string value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var image = new ByteArrayContent(png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "small.png");
        return await form.ReadAsByteArrayAsync(Ct);
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace ClipSharp.Server.Tests;

/// <summary>A short burst of the load benchmark's traffic: 16 concurrent clients, bounded in time and requests.</summary>
public sealed class LoadTests(PlantedIndex planted) : IClassFixture<PlantedIndex>
{
    private const int Clients = 16;
    private const int MaxRequests = 2000;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SixteenConcurrentClientsSeeNoErrors()
    {
        long[] ids = [.. planted.Ids.Values];
        byte[] upload = await File.ReadAllBytesAsync(planted.ImagePath("photo_01.png"), TestContext.Current.CancellationToken);
        await RunClients(Clients, async random =>
        {
            long id = ids[random.Next(ids.Length)];
            using HttpRequestMessage request = (random.Next(4)) switch
            {
                0 => new HttpRequestMessage(HttpMethod.Get, $"/v1/search?q=photo+{random.Next(100)}&k=5"),
                1 => new HttpRequestMessage(HttpMethod.Get, $"/v1/search?like={id}&k=5"),
                2 => new HttpRequestMessage(HttpMethod.Get, $"/v1/images/{id}/thumbnail?size={64 + random.Next(3) * 64}"),
                _ => new HttpRequestMessage(HttpMethod.Post, "/v1/search") { Content = Form(upload) },
            };

            using HttpResponseMessage response = await planted.Http.SendAsync(request, CancellationToken.None);
            return response.IsSuccessStatusCode ? null : $"{request.Method} {request.RequestUri}: {(int)response.StatusCode}";
        });
    }

    /// <summary>
    /// 32 clients with the API key, through the rate limiter (set well above the traffic) and the model queue (larger
    /// than the clients): no request is refused, and every answer is OpenAI-shaped with the right vectors.
    /// </summary>
    [Fact]
    public async Task ThirtyTwoAuthenticatedClientsSeeNoErrors()
    {
        const string key = "correct-horse-battery-staple-42";
        await using MappedApp app = await MappedApp.StartAsync(new ClipServerOptions { ApiKey = key, RateLimitPermits = 100_000, ModelQueueCapacity = 64 });
        string[] texts = ["a photo of a cat", "a red car", "two dogs", "a bowl of fruit"];
        float[] expected = app.Clip.EncodeTexts(texts).ToArray();
        int d = app.Clip.EmbedDim;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await RunClients(32, async random =>
        {
            int t = random.Next(texts.Length);
            using HttpResponseMessage response = await http.PostAsJsonAsync("/v1/embeddings", new { input = new[] { texts[t] }, model = "clip" }, CancellationToken.None);
            string body = await response.Content.ReadAsStringAsync(CancellationToken.None);
            if (!response.IsSuccessStatusCode)
            {
                return $"{(int)response.StatusCode}: {body}";
            }

            using var doc = System.Text.Json.JsonDocument.Parse(body);
            float[] got = [.. doc.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
            return got.AsSpan().SequenceEqual(expected.AsSpan(t * d, d)) ? null : $"wrong vector for '{texts[t]}'";
        });
    }

    // clients loops of one request each until the deadline or MaxRequests in all; a request answers null when its
    // response was right, else what was wrong. Requests already sent finish after the deadline, so every one is counted.
    private static async Task RunClients(int clients, Func<Random, Task<string?>> request)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_duration);
        int issued = 0, ok = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        async Task Client(int client)
        {
            var random = new Random(client);
            while (!deadline.IsCancellationRequested && Interlocked.Increment(ref issued) <= MaxRequests)
            {
                if (await request(random) is { } error)
                {
                    errors.Enqueue(error);
                }
                else
                {
                    Interlocked.Increment(ref ok);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => Client(c))));
        Assert.Empty(errors);
        Assert.True(ok >= clients, $"only {ok} requests completed");
    }

    private static MultipartFormDataContent Form(byte[] png)
    {
        var image = new ByteArrayContent(png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { image, "image", "query.png" } };
    }
}

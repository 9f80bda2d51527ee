using System.Net.Http.Headers;

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
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_duration);
        int issued = 0, ok = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        async Task Client(int client)
        {
            var random = new Random(client);
            while (!deadline.IsCancellationRequested && Interlocked.Increment(ref issued) <= MaxRequests)
            {
                long id = ids[random.Next(ids.Length)];
                using HttpRequestMessage request = (random.Next(4)) switch
                {
                    0 => new HttpRequestMessage(HttpMethod.Get, $"/v1/search?q=photo+{random.Next(100)}&k=5"),
                    1 => new HttpRequestMessage(HttpMethod.Get, $"/v1/search?like={id}&k=5"),
                    2 => new HttpRequestMessage(HttpMethod.Get, $"/v1/images/{id}/thumbnail?size={64 + random.Next(3) * 64}"),
                    _ => new HttpRequestMessage(HttpMethod.Post, "/v1/search") { Content = Form(upload) },
                };

                // Requests already sent finish even after the deadline, so every one is counted.
                using HttpResponseMessage response = await planted.Http.SendAsync(request, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    errors.Enqueue($"{request.Method} {request.RequestUri}: {(int)response.StatusCode}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(() => Client(c))));
        Assert.Empty(errors);
        Assert.True(ok >= Clients, $"only {ok} requests completed");
    }

    private static MultipartFormDataContent Form(byte[] png)
    {
        var image = new ByteArrayContent(png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { image, "image", "query.png" } };
    }
}

using System.Diagnostics;
using System.Net.Http.Headers;

namespace ClipSharp.Bench;

internal enum LoadRequestKind
{
    /// <summary>GET /v1/search?q=: one text-tower call per request.</summary>
    Text,

    /// <summary>GET /v1/search?like=: a stored embedding, no model call.</summary>
    Like,

    /// <summary>GET /v1/images/{id}/thumbnail: SkiaSharp, then the cache.</summary>
    Thumbnail,

    /// <summary>POST /v1/search with an image: decode and one image-tower call.</summary>
    Image,
}

internal sealed class LoadOptions
{
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer KEY</c>; an in-process server requires it too.</summary>
    public string? ApiKey { get; set; } = Environment.GetEnvironmentVariable("CLIPSHARP_API_KEY");

    public string? Model { get; set; }

    public string? Vocab { get; set; }

    public string? Index { get; set; }

    public int Images { get; set; } = 200;

    public int Clients { get; set; } = 16;

    public double Seconds { get; set; } = 30;

    public int MaxRequests { get; set; } = 1_000_000;

    public int K { get; set; } = 10;

    public LoadRequestKind[] Mix { get; set; } = [LoadRequestKind.Text, LoadRequestKind.Like, LoadRequestKind.Thumbnail, LoadRequestKind.Image];
}

/// <summary>The clients: each sends its next request as soon as the previous one is answered.</summary>
internal static class LoadClients
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] s_words = ["dog", "cat", "beach", "car", "tree", "red", "city", "night", "flower", "boat", "snow", "bird"];

    public static async Task<LoadReport> RunAsync(HttpClient http, LoadOptions o, long[] ids, byte[] upload, bool wholeIndex)
    {
        var report = new LoadReport(o.Mix);
        HashSet<long>? indexed = wholeIndex ? [.. ids] : null;
        int? expectedHits = wholeIndex ? Math.Min(o.K, ids.Length) : null;
        int issued = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds));
        var clock = Stopwatch.StartNew();

        async Task Client(int client)
        {
            var random = new Random(client);
            while (!deadline.IsCancellationRequested && Interlocked.Increment(ref issued) <= o.MaxRequests)
            {
                LoadRequestKind kind = o.Mix[random.Next(o.Mix.Length)];
                long target = kind == LoadRequestKind.Image ? ids[0] : ids[random.Next(ids.Length)];
                using HttpRequestMessage request = Request(kind, random, target, upload, o.K);
                long start = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    // A request in flight at the deadline completes (bounded by the client timeout) and is counted.
                    using HttpResponseMessage response = await http.SendAsync(request, CancellationToken.None);
                    byte[] body = await response.Content.ReadAsByteArrayAsync();
                    error = response.IsSuccessStatusCode
                        ? LoadResponseCheck.Problem(kind, target, expectedHits, indexed, response.Content.Headers.ContentType?.MediaType, body)
                        : $"{(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    error = e.GetType().Name + ": " + e.Message;
                }

                report.Add(kind, Stopwatch.GetElapsedTime(start), error is null ? null : $"{request.Method} {request.RequestUri}: {error}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, o.Clients).Select(c => Task.Run(() => Client(c))));
        report.Elapsed = clock.Elapsed;
        return report;
    }

    // target: the entry a like-query or a thumbnail asks for (an image query uploads the file of ids[0]).
    private static HttpRequestMessage Request(LoadRequestKind kind, Random random, long id, byte[] upload, int k)
    {
        switch (kind)
        {
            case LoadRequestKind.Text:
                string q = $"a photo of a {s_words[random.Next(s_words.Length)]} and a {s_words[random.Next(s_words.Length)]}";
                return new HttpRequestMessage(HttpMethod.Get, $"/v1/search?q={Uri.EscapeDataString(q)}&k={k}");
            case LoadRequestKind.Like:
                return new HttpRequestMessage(HttpMethod.Get, $"/v1/search?like={id}&k={k}");
            case LoadRequestKind.Thumbnail:
                return new HttpRequestMessage(HttpMethod.Get, $"/v1/images/{id}/thumbnail?size={128 * (1 + random.Next(2))}");
            default:
                var image = new ByteArrayContent(upload);
                image.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                var form = new MultipartFormDataContent { { image, "image", "query" }, { new StringContent(k.ToString(System.Globalization.CultureInfo.InvariantCulture)), "k" } };
                return new HttpRequestMessage(HttpMethod.Post, "/v1/search") { Content = form };
        }
    }
}

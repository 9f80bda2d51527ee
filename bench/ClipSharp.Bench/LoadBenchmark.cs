using System.Globalization;
using System.Text.Json;
using ClipSharp.Search;
using ClipSharp.Server;
using SkiaSharp;

namespace ClipSharp.Bench;

/// <summary>
/// Concurrent clients against the HTTP server on loopback: text search, "more like this", thumbnails and image
/// uploads. Bounded by a deadline and a request count, with a per-request timeout, so it always finishes.
/// Either targets a running server (--url) or starts one in-process over --index, or over an index it builds
/// from generated images.
/// </summary>
internal static class LoadBenchmark
{
    public static int Run(string[] args)
    {
        var o = new LoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--url": o.Url = value; break;
                case "--api-key": o.ApiKey = value; break;
                case "--model": o.Model = value; break;
                case "--vocab": o.Vocab = value; break;
                case "--index": o.Index = value; break;
                case "--images": o.Images = Int(value); break;
                case "--clients": o.Clients = Int(value); break;
                case "--seconds": o.Seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--max-requests": o.MaxRequests = Int(value); break;
                case "-k": o.K = Int(value); break;
                case "--mix": o.Mix = [.. value.Split(',').Select(m => Enum.Parse<LoadRequestKind>(m, ignoreCase: true))]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        return RunAsync(o).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(LoadOptions o)
    {
        Machine.PrintHeader();
        string? scratch = null;
        SearchIndex? index = null;
        ClipServer? server = null;
        try
        {
            Uri url;
            if (o.Url is not null)
            {
                url = new Uri(o.Url);
            }
            else
            {
                Clip clip = Clip.Load(o.Model ?? throw new ArgumentException("give --url of a running server, or --model (and --index) to start one."), o.Vocab);
                string path = o.Index ?? BuildIndex(clip, o.Images, scratch = Directory.CreateTempSubdirectory("clipsharp-load-").FullName);
                index = SearchIndex.Open(path);
                server = ClipServer.Create(clip, index, new ClipServerOptions { Port = 0, MaxK = Math.Max(1000, o.K), ApiKey = o.ApiKey });
                await server.StartAsync();
                url = new Uri(server.Urls[0]);
            }

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = o.Clients }) { BaseAddress = url, Timeout = LoadClients.RequestTimeout };
            if (o.ApiKey is not null)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", o.ApiKey);
            }

            (long[] ids, byte[] upload, bool whole) = await Targets(http);
            Console.WriteLine(
                $"Load:       {o.Clients} clients for {o.Seconds:F0} s (at most {o.MaxRequests:N0} requests) against {url}; {ids.Length} indexed images; "
                + $"mix {string.Join(',', o.Mix.Select(m => m.ToString().ToLowerInvariant()))}; k={o.K}; {(o.ApiKey is null ? "no API key" : "with the API key")}");
            LoadReport report = await LoadClients.RunAsync(http, o, ids, upload, whole);
            report.Print(Console.Out);
            Console.WriteLine($"Load average at the end: {Machine.LoadAverage()}");
            return report.Errors == 0 ? 0 : 1;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            index?.Dispose();
            if (scratch is not null)
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>
    /// The ids to ask for and one indexed file to upload, found through the API itself; whole: the ids are every entry
    /// (an index larger than one search can list has others).
    /// </summary>
    private static async Task<(long[] Ids, byte[] Upload, bool Whole)> Targets(HttpClient http)
    {
        using JsonDocument health = JsonDocument.Parse(await http.GetStringAsync("/healthz"));
        if (!health.RootElement.TryGetProperty("index", out JsonElement info) || info.ValueKind != JsonValueKind.Object || info.GetProperty("kind").GetString() != "image")
        {
            throw new InvalidOperationException($"{http.BaseAddress} serves no image index.");
        }

        using JsonDocument hits = JsonDocument.Parse(await http.GetStringAsync("/v1/search?q=a+photo&k=1000"));
        long[] ids = [.. hits.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetInt64())];
        if (ids.Length == 0)
        {
            throw new InvalidOperationException($"{http.BaseAddress}: the index is empty.");
        }

        byte[] upload = await http.GetByteArrayAsync($"/v1/images/{ids[0]}");
        return (ids, upload, ids.Length == info.GetProperty("entries").GetInt32());
    }

    private static string BuildIndex(Clip clip, int count, string folder)
    {
        string photos = Path.Combine(folder, "photos");
        Directory.CreateDirectory(photos);
        var random = new Random(42);
        for (int i = 0; i < count; i++)
        {
            using var bitmap = new SKBitmap(320, 240);
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(new SKColor((uint)random.Next() | 0xFF000000));
                using var paint = new SKPaint { IsAntialias = true };
                for (int s = 0; s < 6; s++)
                {
                    paint.Color = new SKColor((uint)random.Next() | 0xFF000000);
                    canvas.DrawCircle(random.Next(320), random.Next(240), 10 + random.Next(80), paint);
                }
            }

            using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(photos, $"generated_{i:D4}.png"), png.ToArray());
        }

        string index = Path.Combine(folder, "index");
        IndexAddSummary summary = new ImageIndexer(clip).Add(index, photos);
        Console.WriteLine($"Index:      {count} generated 320×240 images indexed with {clip.Name} ({summary.Added} added, {summary.Skipped.Count} skipped)");
        return index;
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Tests.Hub;

/// <summary>
/// A hub on 127.0.0.1 with the Hugging Face URL layout: <c>/api/models/{repo}/revision/{rev}</c>, and
/// <c>/{repo}/resolve/{rev}/{file}</c> answering small files directly (ETag = git blob sha1) and LFS files with a
/// redirect to <c>/cdn/{file}</c> (X-Linked-Etag = sha256, X-Linked-Size). The CDN honours Range, and can drop a
/// connection halfway or serve corrupted bytes a given number of times.
/// </summary>
internal sealed class LoopbackHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly List<string> _requests = [];

    public LoopbackHub(string repo, IReadOnlyDictionary<string, byte[]> files, IReadOnlySet<string> lfs)
    {
        Repo = repo;
        Files = files;
        Lfs = lfs;
        int port = FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Repo { get; }

    public string Endpoint { get; }

    public IReadOnlyDictionary<string, byte[]> Files { get; }

    public IReadOnlySet<string> Lfs { get; }

    /// <summary>Files whose next CDN response stops after half the body.</summary>
    public HashSet<string> DropOnce { get; } = [];

    /// <summary>Per file, how many more responses carry a flipped byte.</summary>
    public Dictionary<string, int> Corrupt { get; } = [];

    public bool ApiAvailable { get; set; } = true;

    /// <summary>When set, CDN bodies go out in 64 KiB pieces with this pause between them: a slow download to interrupt.</summary>
    public TimeSpan? PieceDelay { get; set; }

    /// <summary>"METHOD path [range]" of every request so far.</summary>
    public string[] Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public void Dispose()
    {
        if (!_listener.IsListening)
        {
            return;
        }

        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string GitBlobSha1(byte[] data)
        => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away; the next request is served normally.
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        HttpListenerResponse response = context.Response;
        string path = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        string? range = request.Headers["Range"];
        lock (_gate)
        {
            _requests.Add($"{request.HttpMethod} {path}{(range is null ? string.Empty : " " + range)}");
        }

        string resolve = $"/{Repo}/resolve/main/";
        if (path == $"/api/models/{Repo}/revision/main" && ApiAvailable)
        {
            var siblings = Files.Keys.Concat(["pytorch_model.bin", "tf_model.h5", "onnx/model.onnx", "README.md"])
                .Select(f => new { rfilename = f });
            Send(response, 200, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = Repo, siblings })));
        }
        else if (path.StartsWith(resolve, StringComparison.Ordinal) && Files.TryGetValue(path[resolve.Length..], out byte[]? data))
        {
            string file = path[resolve.Length..];
            if (Lfs.Contains(file))
            {
                response.Headers["X-Linked-Etag"] = $"\"{Sha256(data)}\"";
                response.Headers["X-Linked-Size"] = data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                response.Headers["Location"] = $"/cdn/{file}";
                response.StatusCode = 302;
                response.Close();
            }
            else
            {
                response.Headers["ETag"] = $"\"{GitBlobSha1(data)}\"";
                SendBody(response, request, file, data);
            }
        }
        else if (path.StartsWith("/cdn/", StringComparison.Ordinal) && Files.TryGetValue(path[5..], out byte[]? cdn))
        {
            SendBody(response, request, path[5..], cdn);
        }
        else
        {
            Send(response, 404, "Entry not found"u8.ToArray());
        }
    }

    private void SendBody(HttpListenerResponse response, HttpListenerRequest request, string file, byte[] data)
    {
        long start = 0;
        if (request.Headers["Range"] is string range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range[6..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= data.Length)
            {
                response.StatusCode = 416;
                response.Close();
                return;
            }

            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{data.Length - 1}/{data.Length}";
        }

        byte[] body = data[(int)start..];
        lock (_gate)
        {
            if (request.HttpMethod == "GET" && Corrupt.TryGetValue(file, out int left) && left > 0)
            {
                Corrupt[file] = left - 1;
                body = (byte[])body.Clone();
                body[body.Length / 2] ^= 0x5a;
            }
        }

        response.ContentLength64 = body.Length;
        if (request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }

        bool drop;
        lock (_gate)
        {
            drop = DropOnce.Remove(file);
        }

        if (drop)
        {
            response.OutputStream.Write(body, 0, body.Length / 2);
            response.OutputStream.Flush();
            response.Abort();
            return;
        }

        if (PieceDelay is TimeSpan pause)
        {
            for (int offset = 0; offset < body.Length; offset += 65536)
            {
                response.OutputStream.Write(body, offset, Math.Min(65536, body.Length - offset));
                response.OutputStream.Flush();
                Thread.Sleep(pause);
            }
        }
        else
        {
            response.OutputStream.Write(body);
        }

        response.Close();
    }

    private static void Send(HttpListenerResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }
}

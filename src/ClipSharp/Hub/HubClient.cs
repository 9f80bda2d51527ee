using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClipSharp.IO;

namespace ClipSharp.Hub;

/// <summary>
/// Downloads a model repository from a Hugging Face-style hub: the file list from
/// <c>{endpoint}/api/models/{repo}/revision/{revision}</c> (or the standard CLIP file names when the API does not
/// answer), each file from <c>{endpoint}/{repo}/resolve/{revision}/{file}</c>. A file is fetched into a
/// <c>.part</c> file, resumed with an HTTP Range request after a dropped connection, checked against the hash the
/// hub's ETag gives, and renamed into place. A completed folder carries a marker listing its files, so a second
/// pull of the same revision into it makes no request at all.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    public const string DefaultEndpoint = "https://huggingface.co";
    public const string CompleteMarker = ".clipsharp-pull.json";

    private const int MaxAttempts = 5;
    private const int MaxRedirects = 5;

    // What a CLIP model folder needs; other files of a repository (other frameworks' weights) are not fetched.
    private static readonly string[] StandardFiles =
        ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json", "tokenizer_config.json", "special_tokens_map.json"];

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <param name="endpoint">The hub's base URL; null for <c>HF_ENDPOINT</c>, else <see cref="DefaultEndpoint"/>.</param>
    /// <param name="http">A client that does not follow redirects itself (the hub's redirect carries no hash headers); null for a new one.</param>
    public HubClient(string? endpoint = null, HttpClient? http = null)
    {
        string? env = Environment.GetEnvironmentVariable("HF_ENDPOINT");
        Endpoint = (endpoint ?? (string.IsNullOrEmpty(env) ? DefaultEndpoint : env)).TrimEnd('/');
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"hub endpoint '{Endpoint}' is not an http(s) URL.", nameof(endpoint));
        }

        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(30) };
    }

    public string Endpoint { get; }

    /// <summary>The default folder of a pull: <c>~/.cache/clipsharp/hub/&lt;repo&gt;/&lt;revision&gt;</c>.</summary>
    public static string DefaultFolder(string repo, string revision)
        => Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "clipsharp", "hub",
            Path.Combine(CheckRepo(repo).Split('/')), CheckRevision(revision).Replace('/', '-'));

    /// <summary>Downloads the repository's model files into <paramref name="folder"/> and returns their paths.</summary>
    public async Task<IReadOnlyList<string>> PullAsync(string repo, string revision, string folder, IProgress<HubProgress>? progress = null, CancellationToken cancel = default)
    {
        CheckRepo(repo);
        CheckRevision(revision);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        if (ReadMarker(folder, repo, revision) is { } done)
        {
            return done;
        }

        IReadOnlyList<string> files = await ListFilesAsync(repo, revision, cancel).ConfigureAwait(false);
        var placed = new List<string>();
        foreach (string file in files)
        {
            bool required = file is "config.json" || file.EndsWith(".safetensors", StringComparison.Ordinal) || file == "pytorch_model.bin";
            string? path = await DownloadAsync(repo, revision, file, folder, required, progress, cancel).ConfigureAwait(false);
            if (path is not null)
            {
                placed.Add(path);
            }
        }

        string marker = JsonSerializer.Serialize(new PullMarker(repo, revision, placed.Select(Path.GetFileName).ToArray()!));
        AtomicFile.WriteAllBytes(Path.Combine(folder, CompleteMarker), System.Text.Encoding.UTF8.GetBytes(marker), overwrite: true);
        return placed;
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string CheckRepo(string repo)
        => repo is not null && RepoPattern().IsMatch(repo) && !repo.Split('/').Any(p => p is "." or "..")
            ? repo
            : throw new ArgumentException($"'{repo}' is not a hub repository name like 'openai/clip-vit-base-patch32'.", nameof(repo));

    private static string CheckRevision(string revision)
        => revision is { Length: > 0 and <= 200 } && !revision.Contains("..", StringComparison.Ordinal) && revision.All(c => c > ' ' && c < 0x7f && c != '\\')
            ? revision
            : throw new ArgumentException($"'{revision}' is not a revision (a branch, tag or commit).", nameof(revision));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")]
    private static partial Regex RepoPattern();

    private static IReadOnlyList<string>? ReadMarker(string folder, string repo, string revision)
    {
        string path = Path.Combine(folder, CompleteMarker);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            PullMarker? m = JsonSerializer.Deserialize<PullMarker>(File.ReadAllText(path));
            if (m is null || m.Repo != repo || m.Revision != revision)
            {
                return null;
            }

            string[] files = m.Files.Select(f => Path.Combine(folder, f)).ToArray();
            return files.All(File.Exists) ? files : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string ResolveUrl(string repo, string revision, string file)
        => $"{Endpoint}/{repo}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}";

    private async Task<IReadOnlyList<string>> ListFilesAsync(string repo, string revision, CancellationToken cancel)
    {
        string url = $"{Endpoint}/api/models/{repo}/revision/{Uri.EscapeDataString(revision)}";
        List<string> siblings;
        try
        {
            using HttpResponseMessage r = await _http.GetAsync(url, cancel).ConfigureAwait(false);
            if (!r.IsSuccessStatusCode)
            {
                return StandardFiles;
            }

            using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
            siblings = doc.RootElement.GetProperty("siblings").EnumerateArray()
                .Select(s => s.GetProperty("rfilename").GetString())
                .OfType<string>()
                .ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or HttpRequestException)
        {
            // The API is optional (mirrors often serve only resolve URLs): fall back to the standard names.
            return StandardFiles;
        }

        var wanted = siblings.Where(f => !f.Contains('/', StringComparison.Ordinal) && IsModelFile(f)).Order(StringComparer.Ordinal).ToList();
        if (!wanted.Any(f => f.EndsWith(".safetensors", StringComparison.Ordinal)) && siblings.Contains("pytorch_model.bin"))
        {
            wanted.Add("pytorch_model.bin");
        }

        return wanted.Count > 0 ? wanted : throw new HubException($"{repo}@{revision}: the repository lists no model files ({siblings.Count} files).");
    }

    private static bool IsModelFile(string f)
        => StandardFiles.Contains(f) || f.EndsWith(".safetensors", StringComparison.Ordinal) || f == "bpe_simple_vocab_16e6.txt.gz" || f == "tokenizer.json" || f == "open_clip_config.json";

    /// <summary>One file: metadata without following the redirect, then the bytes, resumed and verified.</summary>
    private async Task<string?> DownloadAsync(string repo, string revision, string file, string folder, bool required, IProgress<HubProgress>? progress, CancellationToken cancel)
    {
        string target = Path.Combine(folder, file);
        string part = Path.Combine(folder, $".{file}.part");
        string url = ResolveUrl(repo, revision, file);
        bool refetched = false;
        for (int attempt = 1; ; attempt++)
        {
            (string location, HubFileChecksum? checksum, long? size, bool missing) = await HeadAsync(url, repo, file, cancel).ConfigureAwait(false);
            if (missing)
            {
                return required
                    ? throw new HubException($"{repo}@{revision}: {file} was not found (HTTP 404 at {url}).")
                    : null;
            }

            try
            {
                await FetchAsync(location, part, size, file, progress, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && e is not HubException && attempt < MaxAttempts)
            {
                // A dropped connection: the next attempt resumes from the .part file's length.
                continue;
            }

            if (checksum is not null && checksum.Compute(part) is string got && got != checksum.Hex)
            {
                File.Delete(part);
                if (refetched)
                {
                    throw new HubException($"{repo}@{revision}: {file} failed its {checksum.Algorithm} check twice (expected {checksum.Hex}, got {got}); it was not kept.");
                }

                refetched = true;
                continue;
            }

            File.Move(part, target, overwrite: true);
            return target;
        }
    }

    private async Task<(string Location, HubFileChecksum? Checksum, long? Size, bool Missing)> HeadAsync(string url, string repo, string file, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using HttpResponseMessage r = await SendAsync(request, repo, file, cancel).ConfigureAwait(false);
        if (r.StatusCode == HttpStatusCode.NotFound)
        {
            return (url, null, null, true);
        }

        string location = url;
        if ((int)r.StatusCode is >= 300 and < 400)
        {
            location = r.Headers.Location is { } l ? new Uri(new Uri(url), l).ToString() : throw new HubException($"{repo}: {file}: a redirect without a Location.");
        }
        else if (!r.IsSuccessStatusCode)
        {
            throw Failure(r, repo, file, url);
        }

        string? etag = Header(r, "X-Linked-Etag") ?? r.Headers.ETag?.ToString() ?? Header(r, "ETag");
        long? size = long.TryParse(Header(r, "X-Linked-Size"), out long linked) ? linked : r.Content.Headers.ContentLength;
        return (location, HubFileChecksum.FromETag(etag), size, false);
    }

    /// <summary>GETs <paramref name="url"/> into <paramref name="part"/>, from its current length when the server honours Range.</summary>
    private async Task FetchAsync(string url, string part, long? size, string file, IProgress<HubProgress>? progress, CancellationToken cancel)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (size is long total && have == total)
        {
            return;
        }

        if (size is long t2 && have > t2)
        {
            File.Delete(part);
            have = 0;
        }

        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0)
            {
                request.Headers.Range = new RangeHeaderValue(have, null);
            }

            using HttpResponseMessage r = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
            if ((int)r.StatusCode is >= 300 and < 400 && r.Headers.Location is { } next && hop < MaxRedirects)
            {
                url = new Uri(new Uri(url), next).ToString();
                continue;
            }

            if (r.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The .part file is already whole (or longer than the file): start over if the hash disagrees.
                return;
            }

            if (!r.IsSuccessStatusCode)
            {
                throw Failure(r, file, file, url);
            }

            bool append = r.StatusCode == HttpStatusCode.PartialContent && have > 0;
            using (FileStream output = new(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None))
            {
                long done = append ? have : 0;
                long? expected = size ?? (r.Content.Headers.ContentLength is long cl ? cl + done : null);
                using Stream body = await r.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await body.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
                    done += n;
                    progress?.Report(new HubProgress(file, done, expected));
                }

                if (expected is long whole && done != whole)
                {
                    throw new IOException($"{file}: the connection ended after {done} of {whole} bytes.");
                }
            }

            return;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string repo, string file, CancellationToken cancel)
    {
        if (Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new HubException($"{repo}: {file}: cannot reach {request.RequestUri}: {e.Message}", e);
        }
    }

    private static HubException Failure(HttpResponseMessage r, string repo, string file, string url) => new((int)r.StatusCode switch
    {
        401 or 403 => $"{repo}: {file}: access denied (HTTP {(int)r.StatusCode} at {url}); a gated or private repository needs HF_TOKEN.",
        _ => $"{repo}: {file}: HTTP {(int)r.StatusCode} {r.ReasonPhrase} at {url}.",
    });

    private static string? Header(HttpResponseMessage r, string name)
        => r.Headers.TryGetValues(name, out var v) || r.Content.Headers.TryGetValues(name, out v) ? v.FirstOrDefault() : null;

    private sealed record PullMarker(string Repo, string Revision, string[] Files);
}

namespace ClipSharp.Server;

/// <summary>How the server listens and what it accepts. Every limit answers with a 4xx naming the limit.</summary>
public sealed record ClipServerOptions
{
    /// <summary>Loopback only unless the operator says otherwise: the API has no authentication.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests); the bound address is in <see cref="ClipServer.Urls"/> after start.</summary>
    public int Port { get; init; } = 8080;

    public long MaxUploadBytes { get; init; } = 20L * 1024 * 1024;

    /// <summary>Texts plus images in one request.</summary>
    public int MaxBatchItems { get; init; } = 64;

    public int MaxLabels { get; init; } = 1000;

    public int MaxK { get; init; } = 1000;

    /// <summary>Results of a search when the request does not say.</summary>
    public int DefaultK { get; init; } = 10;

    /// <summary>Longest side of a thumbnail the server will render.</summary>
    public int MaxThumbnailSize { get; init; } = 1024;

    /// <summary>Bound on the encoded thumbnails kept in memory; the least recently used go first.</summary>
    public long ThumbnailCacheBytes { get; init; } = 64L * 1024 * 1024;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

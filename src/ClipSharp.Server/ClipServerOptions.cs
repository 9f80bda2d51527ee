namespace ClipSharp.Server;

/// <summary>How the server listens and what it accepts. Every limit answers with a 4xx naming the limit.</summary>
public sealed record ClipServerOptions
{
    /// <summary>
    /// Loopback unless the operator says otherwise: <see cref="ClipServer"/> refuses any other address without an
    /// <see cref="ApiKey"/>, unless <see cref="AllowAnonymous"/> is set. An app mapping the endpoints binds as it likes.
    /// </summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests); the bound address is in <see cref="ClipServer.Urls"/> after start.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>
    /// The key clients send as <c>Authorization: Bearer KEY</c> to the API endpoints. Null falls back to the
    /// configuration value <c>ClipServer:ApiKey</c>, then to the environment variable <c>CLIPSHARP_API_KEY</c>;
    /// with none of them the API is anonymous.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>Lets <see cref="ClipServer"/> bind a non-loopback <see cref="Host"/> without an API key.</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Origins (scheme://host[:port]) whose pages may call the API from a browser. Empty: CORS is off.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>Requests each client (by remote address) may make per <see cref="RateLimitWindow"/>; 0 turns the limit off.</summary>
    public int RateLimitPermits { get; init; }

    public TimeSpan RateLimitWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Requests that may wait for the model while one runs. Beyond that a request is refused at once with 429 and
    /// Retry-After, so a burst costs memory and latency only up to this bound.
    /// </summary>
    public int ModelQueueCapacity { get; init; } = 64;

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

    /// <summary>Prompts in one <c>POST /v1/locate</c>; each is a heat map of the image's size.</summary>
    public int MaxLocatePrompts { get; init; } = 8;

    /// <summary>
    /// Largest width × height <c>POST /v1/locate</c> looks at: heat maps, masks and the overlay are all at the image's
    /// own size, so this bounds their memory (4096 × 4096 by default). A larger upload or indexed image is a 413.
    /// </summary>
    public long MaxLocatePixels { get; init; } = 4096L * 4096;

    /// <summary>
    /// Image embeddings one <c>POST /v1/locate</c> may cost (<see cref="Localization.ClipLocator.ImageEmbeddings"/>),
    /// checked before any work. The occlusion method embeds an occluded copy of the image per occluder position (539
    /// with its defaults on the demo model, 2,587 on ViT-B/32 at 224 pixels: minutes of CPU), so a request over the
    /// bound is a 422 <c>locate_too_costly</c> naming its cost and a coarser <c>stride</c> that fits. 0 turns the
    /// bound off.
    /// </summary>
    public int MaxLocateEmbeddings { get; init; } = 600;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

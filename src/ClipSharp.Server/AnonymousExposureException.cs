namespace ClipSharp.Server;

/// <summary>
/// The server was asked to listen beyond loopback with no API key and without
/// <see cref="ClipServerOptions.AllowAnonymous"/>: anyone on the network could use the model and read the index.
/// </summary>
public sealed class AnonymousExposureException : Exception
{
    public AnonymousExposureException(string host)
        : base($"refusing to serve on {host} without an API key: set one (ClipServerOptions.ApiKey, --api-key or CLIPSHARP_API_KEY), or allow anonymous access explicitly.")
        => Host = host;

    public AnonymousExposureException()
    {
    }

    public AnonymousExposureException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public string Host { get; } = string.Empty;
}

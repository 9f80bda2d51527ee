using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace ClipSharp.Server;

/// <summary>
/// The server's API key, kept only as its SHA-256. A presented key is hashed too and the two digests are compared
/// with <see cref="CryptographicOperations.FixedTimeEquals"/>: equal lengths, constant time, so neither the key's
/// length nor how much of it a guess got right shows in the response time.
/// </summary>
internal sealed class ApiKeyCheck
{
    public const string ConfigurationKey = "ClipServer:ApiKey";
    public const string EnvironmentVariable = "CLIPSHARP_API_KEY";

    /// <summary>Shorter keys are refused: a key is the whole defence of a server on a network.</summary>
    public const int MinLength = 16;

    private readonly byte[]? _digest;

    private ApiKeyCheck(byte[]? digest) => _digest = digest;

    /// <summary>Whether the API requires a key.</summary>
    public bool Enabled => _digest is not null;

    /// <summary>The key from the options, else the configuration, else the environment; none leaves the API open.</summary>
    public static ApiKeyCheck Create(ClipServerOptions options, IConfiguration? configuration)
    {
        string? key = options.ApiKey
            ?? NonEmpty(configuration?[ConfigurationKey])
            ?? NonEmpty(configuration?[EnvironmentVariable])
            ?? NonEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable));
        if (key is null)
        {
            return new ApiKeyCheck(null);
        }

        if (key.Trim().Length < MinLength)
        {
            throw new ClipServerOptionsException($"the API key must have at least {MinLength} characters (got {key.Trim().Length}); generate one, e.g. with 'openssl rand -hex 32'.");
        }

        return new ApiKeyCheck(Digest(key.Trim()));
    }

    public bool Matches(string presented) => _digest is null || CryptographicOperations.FixedTimeEquals(_digest, Digest(presented));

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

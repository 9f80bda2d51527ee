using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Hub;

/// <summary>
/// What a hub ETag promises about a file. For files kept in Git LFS the hub sends the sha256 of the content
/// (<c>X-Linked-Etag</c>, or the ETag itself); for small files kept in git, the ETag is the git blob id: the sha1
/// of <c>"blob {length}\0"</c> followed by the content.
/// </summary>
internal sealed record HubFileChecksum(string Algorithm, string Hex)
{
    public static HubFileChecksum? FromETag(string? etag)
    {
        if (etag is null)
        {
            return null;
        }

        string hex = etag.Trim();
        if (hex.StartsWith("W/", StringComparison.Ordinal))
        {
            hex = hex[2..];
        }

        hex = hex.Trim('"').ToLowerInvariant();
        if (!hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return hex.Length switch
        {
            64 => new HubFileChecksum("sha256", hex),
            40 => new HubFileChecksum("git-sha1", hex),
            _ => null,
        };
    }

    public string Compute(string path)
    {
        using FileStream f = File.OpenRead(path);
        if (Algorithm == "sha256")
        {
            return Convert.ToHexStringLower(SHA256.HashData(f));
        }

        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {f.Length}\0"));
        var buffer = new byte[1 << 16];
        int n;
        while ((n = f.Read(buffer)) > 0)
        {
            sha1.AppendData(buffer, 0, n);
        }

        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }
}

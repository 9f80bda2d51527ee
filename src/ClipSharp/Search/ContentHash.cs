using System.Security.Cryptography;

namespace ClipSharp.Search;

/// <summary>The content hash that settles whether a file whose mtime moved really changed.</summary>
internal static class ContentHash
{
    public static string Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

using System.Globalization;
using ClipSharp.Search;
using Microsoft.Extensions.Caching.Memory;
using SkiaSharp;

namespace ClipSharp.Server;

/// <summary>
/// JPEG thumbnails rendered with SkiaSharp, kept in memory up to a byte bound. The key holds the file's size and
/// mtime, so a file edited since it was thumbnailed is rendered again.
/// </summary>
internal sealed class ThumbnailCache : IDisposable
{
    private const int Quality = 85;
    private readonly MemoryCache _cache;

    public ThumbnailCache(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = maxBytes, CompactionPercentage = 0.25 });
    }

    public byte[] Get(IndexEntry entry, FileInfo file, int size)
    {
        string key = string.Create(CultureInfo.InvariantCulture, $"{entry.Id}:{size}:{file.Length}:{file.LastWriteTimeUtc.Ticks}");
        if (_cache.TryGetValue(key, out byte[]? cached) && cached is not null)
        {
            return cached;
        }

        byte[] jpeg = Render(file.FullName, size) ?? throw ApiException.NotFound($"the image of entry {entry.Id} is no longer readable.");
        _cache.Set(key, jpeg, new MemoryCacheEntryOptions { Size = jpeg.Length });
        return jpeg;
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>Fits the image in a size×size box (never enlarging), flattened on white because JPEG has no alpha.</summary>
    internal static byte[]? Render(string path, int size)
    {
        using SKImage? image = SKImage.FromEncodedData(path);
        if (image is null)
        {
            return null;
        }

        float scale = Math.Min(1f, size / (float)Math.Max(image.Width, image.Height));
        int width = Math.Max(1, (int)MathF.Round(image.Width * scale));
        int height = Math.Max(1, (int)MathF.Round(image.Height * scale));
        using SKSurface surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);

        // Mipmaps keep a large reduction from aliasing.
        surface.Canvas.DrawImage(image, new SKRect(0, 0, width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using SKImage snapshot = surface.Snapshot();
        using SKData data = snapshot.Encode(SKEncodedImageFormat.Jpeg, Quality);
        return data.ToArray();
    }
}

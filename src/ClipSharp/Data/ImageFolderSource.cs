namespace ClipSharp.Data;

/// <summary>
/// A folder (searched recursively) of images each with a sidecar caption: <c>cat.jpg</c> + <c>cat.txt</c>.
/// Keys are the image paths relative to the folder, '/'-separated, in ordinal order.
/// </summary>
public static class ImageFolderSource
{
    /// <summary>The image file extensions a data folder is searched for.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    public static CaptionDataset Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: image folder not found.");
        }

        string root = Path.GetFullPath(folder);
        string[] images = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(IsImage)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var samples = new List<CaptionedSample>();
        var skipped = new List<BadSample>();
        foreach (string image in images)
        {
            string key = Path.GetRelativePath(root, image).Replace(Path.DirectorySeparatorChar, '/');
            string sidecar = Path.ChangeExtension(image, ".txt");
            if (!File.Exists(sidecar))
            {
                skipped.Add(new BadSample(key, image, "no caption file (" + Path.GetFileName(sidecar) + ")"));
                continue;
            }

            string caption = File.ReadAllText(sidecar).Trim();
            if (caption.Length == 0)
            {
                skipped.Add(new BadSample(key, sidecar, "empty caption"));
                continue;
            }

            samples.Add(new CaptionedSample(key, ImageSource.FromFile(image), caption));
        }

        if (images.Length == 0)
        {
            throw new InvalidDataException($"{folder}: holds no images ({string.Join(", ", ImageExtensions)}).");
        }

        return new CaptionDataset(folder, samples, skipped);
    }

    internal static bool IsImage(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant(), StringComparer.Ordinal);
}

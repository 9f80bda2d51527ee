namespace ClipSharp.Search;

/// <summary>
/// Lists the image files under a root. Symbolic links are never followed: a link whose target lies inside the
/// root is redundant (the target is listed at its own path), and one that leads out of the root is reported.
/// </summary>
public static class FolderScanner
{
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ico",
    };

    /// <summary>Image files under <paramref name="root"/> (full paths, sorted), and the links skipped because they lead outside it.</summary>
    public static (List<string> Files, List<string> OutsideLinks) Scan(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"{root}: folder not found.");
        }

        var files = new List<string>();
        var outside = new List<string>();
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(full));
        string prefix = full.EndsWith(Path.DirectorySeparatorChar) ? full : full + Path.DirectorySeparatorChar;
        while (pending.Count > 0)
        {
            DirectoryInfo folder = pending.Pop();
            IEnumerable<FileSystemInfo> children;
            try
            {
                children = folder.EnumerateFileSystemInfos();
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            foreach (FileSystemInfo child in children)
            {
                if (child.LinkTarget is not null)
                {
                    FileSystemInfo? target = child.ResolveLinkTarget(returnFinalTarget: true);
                    if (target is null || !(target.FullName == full || target.FullName.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        outside.Add(child.FullName);
                    }

                    continue;
                }

                if (child is DirectoryInfo directory)
                {
                    pending.Push(directory);
                }
                else if (ImageExtensions.Contains(child.Extension))
                {
                    files.Add(child.FullName);
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return (files, outside);
    }
}

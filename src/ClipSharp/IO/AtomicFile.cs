namespace ClipSharp.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a part:
/// the bytes go to a temporary file in the destination's folder (same file system, so the rename is atomic),
/// are flushed to disk, and only then is the temporary file renamed onto the destination.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Creates or replaces <paramref name="path"/> with what <paramref name="write"/> puts in the stream.
    /// Without <paramref name="overwrite"/> an existing destination is an error and is left untouched,
    /// even if it appears while the content is being written.
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)
            ?? throw new IOException($"{path}: cannot write a file at the root of a file system.");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{path}: the folder '{folder}' does not exist.");
        }

        if (Directory.Exists(full))
        {
            throw new IOException($"{path}: is a folder, not a file.");
        }

        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"{path}: the file already exists; pass overwrite to replace it.");
        }

        // A dot-name that says what it is, unique per write so concurrent writers never share one.
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            // Without overwrite the move fails if the destination appeared meanwhile, instead of replacing it.
            File.Move(temp, full, overwrite);
        }
        catch (IOException e) when (!overwrite && File.Exists(full) && File.Exists(temp))
        {
            throw new IOException($"{path}: the file appeared while it was being written; it was left untouched.", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes, bool overwrite = false)
        => Write(path, s => s.Write(bytes.Span), overwrite);
}

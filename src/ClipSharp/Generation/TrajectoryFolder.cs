using System.Globalization;
using ClipSharp.Imaging;

namespace ClipSharp.Generation;

/// <summary>A generation's frames as numbered PNG files in a folder: <c>frame-0000.png</c> for the start, then by step.</summary>
public static class TrajectoryFolder
{
    public static string FileName(GenerationFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return string.Create(CultureInfo.InvariantCulture, $"frame-{frame.Step:D4}.png");
    }

    /// <summary>
    /// Writes every frame into <paramref name="folder"/> (created if missing), each atomically. Without
    /// <paramref name="overwrite"/> nothing is written when any of the files already exists.
    /// </summary>
    /// <exception cref="IOException">A frame's file exists and <paramref name="overwrite"/> is false.</exception>
    public static IReadOnlyList<string> Save(string folder, IReadOnlyList<GenerationFrame> frames, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(frames);
        string[] paths = [.. frames.Select(f => Path.Combine(folder, FileName(f)))];
        if (!overwrite && paths.FirstOrDefault(File.Exists) is { } existing)
        {
            throw new IOException($"{existing}: the frame already exists; pass overwrite to replace the trajectory.");
        }

        Directory.CreateDirectory(folder);
        for (int i = 0; i < frames.Count; i++)
        {
            PngFile.Save(paths[i], frames[i].Image, overwrite);
        }

        return paths;
    }
}

using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints.Torch;

internal static class TempFolderCopy
{
    /// <summary>Copies a file into the folder under its own name and returns the copy's path.</summary>
    public static string Copy(this TempFolder folder, string source, string? name = null)
    {
        string target = folder.File(name ?? Path.GetFileName(source));
        File.Copy(source, target);
        return target;
    }
}

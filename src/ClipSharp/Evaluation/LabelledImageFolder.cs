namespace ClipSharp.Evaluation;

/// <summary>
/// An ImageFolder-style evaluation set: one subfolder per class, named by the class, holding that class's images.
/// Classes are in ordinal order of their names, images in ordinal order of their paths.
/// </summary>
public sealed class LabelledImageFolder
{
    private static readonly string[] s_extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    private LabelledImageFolder(string root, IReadOnlyList<string> classes, IReadOnlyList<string> files, IReadOnlyList<int> labels)
    {
        Root = root;
        ClassNames = classes;
        Files = files;
        Labels = labels;
    }

    public string Root { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<string> Files { get; }

    /// <summary>The class index of each file.</summary>
    public IReadOnlyList<int> Labels { get; }

    public static LabelledImageFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"{path}: the image folder does not exist.");
        }

        string[] classes = [.. Directory.GetDirectories(path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        var files = new List<string>();
        var labels = new List<int>();
        for (int c = 0; c < classes.Length; c++)
        {
            foreach (string f in Directory.GetFiles(Path.Combine(path, classes[c])).Where(IsImage).Order(StringComparer.Ordinal))
            {
                files.Add(f);
                labels.Add(c);
            }
        }

        if (classes.Length < 2 || files.Count == 0)
        {
            throw new InvalidDataException(
                $"{path}: an evaluation image folder needs at least two class subfolders holding images; found {classes.Length} subfolders and {files.Count} images.");
        }

        return new LabelledImageFolder(Path.GetFullPath(path), classes, files, labels);
    }

    private static bool IsImage(string file) => s_extensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}

namespace ClipSharp.ZeroShot;

/// <summary>
/// Prompt templates for zero-shot classification. A template holds one <c>{}</c> where the class name goes.
/// Ensembling many phrasings averages out the quirks of any single caption style seen in pre-training.
/// </summary>
public static class PromptTemplates
{
    public const string Placeholder = "{}";

    /// <summary>
    /// The shipped set: photographic conditions, depictions in other media, and framings,
    /// so that no single style dominates the class embedding.
    /// </summary>
    public static IReadOnlyList<string> Default { get; } =
    [
        "a photograph of a {}.",
        "a close-up shot of a {}.",
        "an out-of-focus picture of a {}.",
        "a well-lit photo of a {}.",
        "a photo of a {} taken at night.",
        "a grainy, low-quality image of a {}.",
        "a black-and-white photograph of a {}.",
        "a photo of a {} seen from far away.",
        "a photo of a {} filling the whole frame.",
        "a cropped picture showing part of a {}.",
        "a {} in its usual surroundings.",
        "a product shot of a {} on a plain background.",
        "a street photo with a {} in it.",
        "a pencil sketch of a {}.",
        "an oil painting of a {}.",
        "a cartoon illustration of a {}.",
        "a child's drawing of a {}.",
        "a 3D rendering of a {}.",
        "a plastic toy shaped like a {}.",
        "an embroidered patch depicting a {}.",
        "a video game screenshot of a {}.",
        "there is a {} in this picture.",
    ];

    /// <summary>The single plain prompt, for when ensembling is not wanted.</summary>
    public static IReadOnlyList<string> Single { get; } = ["a photo of a {}."];

    /// <summary>A template set by name: <c>default</c> (<see cref="Default"/>), <c>single</c> (<see cref="Single"/>), or else a file for <see cref="Load"/>.</summary>
    public static IReadOnlyList<string> Resolve(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        return nameOrPath switch
        {
            "default" => Default,
            "single" => Single,
            _ => Load(nameOrPath),
        };
    }

    /// <summary>
    /// Reads templates from a text file: one per line, each containing <c>{}</c>; blank lines and lines
    /// starting with <c>#</c> are ignored.
    /// </summary>
    public static IReadOnlyList<string> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: templates file not found.", path);
        }

        var templates = new List<string>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            templates.Add(Validate(line, $"{path}:{lineNumber}"));
        }

        if (templates.Count == 0)
        {
            throw new InvalidDataException($"{path}: no templates (expected one per line, each with {Placeholder}).");
        }

        return templates;
    }

    public static string Apply(string template, string className) => template.Replace(Placeholder, className, StringComparison.Ordinal);

    internal static string Validate(string template, string where)
    {
        int first = template.IndexOf(Placeholder, StringComparison.Ordinal);
        if (first < 0)
        {
            throw new InvalidDataException($"{where}: template \"{template}\" has no {Placeholder} placeholder for the class name.");
        }

        return template;
    }
}

using System.Globalization;

namespace ClipSharp.Applications;

/// <summary>
/// Reads a labels file for tagging. One label per line; blank lines and lines starting with '#' are ignored.
/// A line is a name, optionally followed by '|'-separated fields:
/// <code>
/// cat
/// dog | threshold=0.7
/// weapon | prompt=a photo of a gun or a knife. | negative=a photo of a toy. | negative=a photo of a tool.
/// </code>
/// <c>prompt</c> (default "a photo of NAME.") describes the label; each <c>negative</c> adds a competing prompt
/// (default: "a photo of something else."); <c>threshold</c> overrides the global threshold for this label.
/// </summary>
public static class LabelsFile
{
    public static IReadOnlyList<TagLabel> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: labels file not found.", path);
        }

        return Parse(File.ReadAllLines(path), path);
    }

    public static IReadOnlyList<TagLabel> Parse(IEnumerable<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var labels = new List<TagLabel>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string[] fields = line.Split('|');
            string name = fields[0].Trim();
            if (name.Length == 0)
            {
                throw new FormatException($"{source}:{number}: the label name is empty.");
            }

            if (!names.Add(name))
            {
                throw new FormatException($"{source}:{number}: label \"{name}\" appears more than once.");
            }

            string? prompt = null;
            var negatives = new List<string>();
            float? threshold = null;
            foreach (string field in fields.Skip(1))
            {
                int eq = field.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? field.Trim() : field[..eq].Trim();
                string value = eq < 0 ? string.Empty : field[(eq + 1)..].Trim();
                if (value.Length == 0)
                {
                    throw new FormatException($"{source}:{number}: field \"{field.Trim()}\" needs the form key=value.");
                }

                switch (key)
                {
                    case "prompt":
                        prompt = value;
                        break;
                    case "negative":
                        negatives.Add(value);
                        break;
                    case "threshold":
                        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float t) || !(t is >= 0 and <= 1))
                        {
                            throw new FormatException($"{source}:{number}: threshold \"{value}\" is not a probability between 0 and 1.");
                        }

                        threshold = t;
                        break;
                    default:
                        throw new FormatException($"{source}:{number}: unknown field \"{key}\" (expected prompt, negative or threshold).");
                }
            }

            labels.Add(new TagLabel(name, prompt ?? TagLabel.DefaultPrompt(name), negatives.Count > 0 ? negatives : [TagLabel.DefaultNegative], threshold));
        }

        if (labels.Count == 0)
        {
            throw new FormatException($"{source}: no labels.");
        }

        return labels;
    }
}

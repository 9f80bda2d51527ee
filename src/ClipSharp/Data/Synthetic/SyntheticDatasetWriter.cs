using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ClipSharp.Data.Synthetic;

/// <summary>
/// Writes a synthetic dataset folder: <c>train.csv</c> + <c>train/</c>, <c>val.csv</c> + <c>val/</c>, the
/// ImageFolder-style evaluation sets <c>eval/{seen,unseen,color,shape}/&lt;class&gt;/</c>, and <c>split.json</c>.
/// The folder appears complete or not at all: everything is generated into a hidden sibling folder that is then
/// renamed into place. The same options give byte-identical files.
/// </summary>
public static class SyntheticDatasetWriter
{
    /// <summary>The evaluation sets, in the order of their seed streams.</summary>
    public static IReadOnlyList<string> EvalSets { get; } = ["seen", "unseen", "color", "shape"];

    /// <summary>
    /// Generates the dataset into <paramref name="folder"/>. An existing non-empty folder is refused unless
    /// <paramref name="force"/>, in which case it is replaced only once the new one is complete.
    /// <paramref name="progress"/> receives the number of images written so far (from several threads).
    /// </summary>
    public static SyntheticDatasetInfo Write(string folder, SyntheticDataOptions options, bool force = false, IProgress<int>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        string parent = Path.GetDirectoryName(full) ?? throw new IOException($"{folder}: cannot write at the root of a file system.");
        if (File.Exists(full))
        {
            throw new IOException($"{folder}: is a file, not a folder.");
        }

        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !force)
        {
            throw new IOException($"{folder}: already exists and is not empty; pass --force to replace it.");
        }

        Directory.CreateDirectory(parent);
        string name = Path.GetFileName(full);
        string temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            SyntheticDatasetInfo written = Generate(temp, options, progress);
            if (Directory.Exists(full))
            {
                string old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
                Directory.Move(full, old);
                Directory.Move(temp, full);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, full);
            }

            return written with { Folder = full };
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static SyntheticDatasetInfo Generate(string root, SyntheticDataOptions options, IProgress<int>? progress)
    {
        long seed = options.Seed;
        int size = options.Size;
        int valCount = options.ValidationCount ?? Math.Max(1, options.Count / 10);
        HeldOutSplit split = HeldOutSplit.Create(seed);
        int done = 0;
        void Wrote() => progress?.Report(Interlocked.Increment(ref done));

        int[] trainTemplates = WriteCaptioned(root, "train", options.Count, i => SyntheticCorpus.Training(seed, split, i), size, Wrote);
        int[] valTemplates = WriteCaptioned(root, "val", valCount, i => SyntheticCorpus.Validation(seed, split, i), size, Wrote);

        // Evaluation classes: (set, class name, combinations to draw from).
        var colorClasses = new List<(string, (int, SynthShape)[])>();
        for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
        {
            int color = c;
            colorClasses.Add((SynthVocabulary.Colors[c].Name, [.. split.Seen.Where(x => x.Color == color)]));
        }

        var shapeClasses = SynthVocabulary.Shapes
            .Select(s => (SynthVocabulary.ShapeName(s), split.Seen.Where(x => x.Shape == s).ToArray()))
            .ToList();
        var sets = new (string Set, List<(string Name, (int Color, SynthShape Shape)[] From)> Classes)[]
        {
            ("seen", [.. split.Seen.Select(x => (SynthVocabulary.CombinationName(x.Color, x.Shape), new[] { x }))]),
            ("unseen", [.. split.HeldOut.Select(x => (SynthVocabulary.CombinationName(x.Color, x.Shape), new[] { x }))]),
            ("color", colorClasses),
            ("shape", shapeClasses),
        };
        var evalCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int s = 0; s < sets.Length; s++)
        {
            (string set, var classes) = sets[s];
            int perClass = options.EvalPerClass;
            foreach (var (className, _) in classes)
            {
                Directory.CreateDirectory(Path.Combine(root, "eval", set, className));
            }

            int setIndex = s;
            Parallel.For(0, classes.Count * perClass, k =>
            {
                int classIndex = k / perClass, i = k % perClass;
                (string className, var from) = classes[classIndex];
                // The combination is drawn from its own stream so that the scene stream stays the same for every set.
                var pick = new DataRandom(DataRandom.Mix(seed, 4, setIndex, classIndex, i));
                SynthScene scene = SyntheticCorpus.Evaluation(seed, setIndex, classIndex, i, from[pick.NextInt(from.Length)]);
                File.WriteAllBytes(Path.Combine(root, "eval", set, className, $"{i:D4}.png"), SceneRenderer.RenderPng(scene, size));
                Wrote();
            });
            evalCounts[set] = classes.Count * perClass;
        }

        var info = new SyntheticDatasetInfo(root, options.Count, valCount, evalCounts, split);
        WriteSplitJson(Path.Combine(root, "split.json"), options, info, trainTemplates, valTemplates);
        return info;
    }

    // Renders items [0, count) into root/part/ and writes root/part.csv; returns how often each caption template was used.
    private static int[] WriteCaptioned(string root, string part, int count, Func<int, SynthItem> item, int size, Action wrote)
    {
        Directory.CreateDirectory(Path.Combine(root, part));
        var rows = new string[count];
        var templates = new int[count];
        Parallel.For(0, count, i =>
        {
            SynthItem it = item(i);
            string image = $"{part}/{i:D6}.png";
            File.WriteAllBytes(Path.Combine(root, image), SceneRenderer.RenderPng(it.Scene, size));
            string objects = string.Join("; ", it.Scene.Objects.Select(o =>
                $"{SynthVocabulary.SizeName(o.Large)} {SynthVocabulary.CombinationName(o.Color, o.Shape)} {SynthVocabulary.Positions[o.Cell]}"));
            rows[i] = string.Join(',', Csv(image), Csv(it.Caption), Csv(objects), Csv(SynthVocabulary.BackgroundName(it.Scene.Background.Kind)));
            templates[i] = it.Template;
            wrote();
        });

        var text = new StringBuilder("image,caption,objects,background\n");
        foreach (string row in rows)
        {
            text.Append(row).Append('\n');
        }

        File.WriteAllText(Path.Combine(root, part + ".csv"), text.ToString(), new UTF8Encoding(false));
        var used = new int[CaptionWriter.Templates.Count];
        foreach (int t in templates)
        {
            used[t]++;
        }

        return used;
    }

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private static void WriteSplitJson(string path, SyntheticDataOptions options, SyntheticDatasetInfo info, int[] trainTemplates, int[] valTemplates)
    {
        using var stream = File.Create(path);
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("seed", options.Seed);
            json.WriteNumber("size", options.Size);
            json.WriteStartObject("counts");
            json.WriteNumber("train", info.TrainCount);
            json.WriteNumber("val", info.ValidationCount);
            json.WriteNumber("eval_per_class", options.EvalPerClass);
            foreach (string set in EvalSets)
            {
                json.WriteNumber("eval_" + set, info.EvalCounts[set]);
            }

            json.WriteEndObject();
            json.WriteStartArray("colors");
            foreach (SynthColor c in SynthVocabulary.Colors)
            {
                json.WriteStartObject();
                json.WriteString("name", c.Name);
                json.WriteString("rgb", string.Create(CultureInfo.InvariantCulture, $"#{c.R:x2}{c.G:x2}{c.B:x2}"));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteStrings(json, "shapes", SynthVocabulary.Shapes.Select(SynthVocabulary.ShapeName));
            WriteStrings(json, "positions", SynthVocabulary.Positions);
            WriteStrings(json, "backgrounds", Enum.GetValues<SynthBackgroundKind>().Select(SynthVocabulary.BackgroundName));
            WriteStrings(json, "held_out", info.Split.HeldOut.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape)));
            WriteStrings(json, "seen", info.Split.Seen.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape)));
            json.WriteString("eval_note", "eval/color and eval/shape draw only combinations seen in training; eval/unseen holds the held-out ones.");
            json.WriteStartArray("caption_templates");
            for (int t = 0; t < CaptionWriter.Templates.Count; t++)
            {
                json.WriteStartObject();
                json.WriteString("template", CaptionWriter.Templates[t]);
                json.WriteNumber("train", trainTemplates[t]);
                json.WriteNumber("val", valTemplates[t]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (string v in values)
        {
            json.WriteStringValue(v);
        }

        json.WriteEndArray();
    }
}

using System.Text;

namespace ClipSharp.Data.Synthetic;

/// <summary>
/// Natural captions for scenes from several templates. Every caption names the colour and shape of every object;
/// sizes, positions and the background are named by some templates and not others.
/// </summary>
public static class CaptionWriter
{
    /// <summary>The templates, by the id <see cref="Write"/> returns.</summary>
    public static IReadOnlyList<string> Templates { get; } =
    [
        "a {color} {shape}",
        "a {size} {color} {shape}",
        "a {color} {shape} {position}",
        "a {size} {color} {shape} {position}",
        "a {size} {color} {shape} {position} on a {background} background",
        "a {color} {shape} on a {background} background",
        "a picture of a {color} {shape}",
        "there is a {size} {color} {shape} {position}",
        "{count} {color} {shapes}",
        "{count} {size} {color} {shapes}",
        "a {color} {shape} and a {color} {shape}[ and ...]",
        "a {size} {color} {shape} {position} and a {size} {color} {shape} {position}[ and ...]",
        "a {color} {shape} and a {color} {shape}[ and ...] on a {background} background",
    ];

    private static readonly string[] s_counts = ["zero", "one", "two", "three"];

    /// <summary>A caption for <paramref name="scene"/> and the id of its template in <see cref="Templates"/>.</summary>
    public static (string Caption, int Template) Write(SynthScene scene, DataRandom random)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(random);
        IReadOnlyList<SynthObject> objects = scene.Objects;
        string background = SynthVocabulary.BackgroundName(scene.Background.Kind);
        if (objects.Count == 1)
        {
            SynthObject o = objects[0];
            int template = random.NextInt(8);
            string text = template switch
            {
                0 => Phrase(o, size: false, position: false),
                1 => Phrase(o, size: true, position: false),
                2 => Phrase(o, size: false, position: true),
                3 => Phrase(o, size: true, position: true),
                4 => $"{Phrase(o, size: true, position: true)} on {Article(background)} background",
                5 => $"{Phrase(o, size: false, position: false)} on {Article(background)} background",
                6 => $"a picture of {Phrase(o, size: false, position: false)}",
                _ => $"there is {Phrase(o, size: true, position: true)}",
            };
            return (text, template);
        }

        bool same = objects.All(x => x.Combination == objects[0].Combination && x.Large == objects[0].Large);
        if (same && random.NextDouble() < 0.7)
        {
            SynthObject o = objects[0];
            string count = s_counts[objects.Count];
            string shapes = SynthVocabulary.PluralName(o.Shape);
            string color = SynthVocabulary.Colors[o.Color].Name;
            return random.NextBool()
                ? ($"{count} {color} {shapes}", 8)
                : ($"{count} {SynthVocabulary.SizeName(o.Large)} {color} {shapes}", 9);
        }

        int listTemplate = 10 + random.NextInt(3);
        bool detailed = listTemplate == 11;
        string list = List([.. objects.Select(o => Phrase(o, size: detailed, position: detailed))]);
        return listTemplate == 12 ? ($"{list} on {Article(background)} background", 12) : (list, listTemplate);
    }

    /// <summary>"a small red triangle at the top left", "an orange star", ...</summary>
    public static string Phrase(SynthObject o, bool size, bool position)
    {
        ArgumentNullException.ThrowIfNull(o);
        var text = new StringBuilder();
        if (size)
        {
            text.Append(SynthVocabulary.SizeName(o.Large)).Append(' ');
        }

        text.Append(SynthVocabulary.Colors[o.Color].Name).Append(' ').Append(SynthVocabulary.ShapeName(o.Shape));
        if (position)
        {
            text.Append(' ').Append(SynthVocabulary.PositionPhrase(o.Cell));
        }

        return Article(text.ToString());
    }

    // "a, b and c"
    private static string List(string[] items) =>
        items.Length == 1 ? items[0] : string.Join(", ", items[..^1]) + " and " + items[^1];

    private static string Article(string words) => ("aeiou".Contains(words[0], StringComparison.Ordinal) ? "an " : "a ") + words;
}

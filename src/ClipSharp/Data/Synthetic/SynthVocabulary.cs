namespace ClipSharp.Data.Synthetic;

/// <summary>The words and values the synthetic scenes are made of.</summary>
public static class SynthVocabulary
{
    public static IReadOnlyList<SynthColor> Colors { get; } =
    [
        new("red", 220, 35, 35),
        new("orange", 245, 135, 15),
        new("yellow", 238, 214, 20),
        new("green", 35, 160, 55),
        new("cyan", 25, 200, 215),
        new("blue", 35, 75, 225),
        new("purple", 135, 55, 200),
        new("pink", 245, 105, 185),
    ];

    public static IReadOnlyList<SynthShape> Shapes { get; } = Enum.GetValues<SynthShape>();

    /// <summary>Grid cells, row by row from the top left.</summary>
    public static IReadOnlyList<string> Positions { get; } =
        ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"];

    public static string ShapeName(SynthShape shape) => shape switch
    {
        SynthShape.Circle => "circle",
        SynthShape.Square => "square",
        SynthShape.Triangle => "triangle",
        SynthShape.Star => "star",
        SynthShape.Cross => "cross",
        SynthShape.Ring => "ring",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape."),
    };

    public static string PluralName(SynthShape shape) => shape == SynthShape.Cross ? "crosses" : ShapeName(shape) + "s";

    public static string SizeName(bool large) => large ? "large" : "small";

    /// <summary>"at the top left", "on the left", "in the center", ...</summary>
    public static string PositionPhrase(int cell) => cell switch
    {
        3 or 5 => "on the " + Positions[cell],
        4 => "in the center",
        >= 0 and < 9 => "at the " + Positions[cell],
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "grid cells are 0 to 8."),
    };

    public static string BackgroundName(SynthBackgroundKind kind) => kind switch
    {
        SynthBackgroundKind.Plain => "plain",
        SynthBackgroundKind.Striped => "striped",
        SynthBackgroundKind.Checkered => "checkered",
        SynthBackgroundKind.Noisy => "noisy",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown background."),
    };

    /// <summary>The class name of a colour×shape combination, e.g. "red circle".</summary>
    /// <summary>Every colour × shape combination (colour index, shape), colour-major.</summary>
    internal static IReadOnlyList<(int Color, SynthShape Shape)> AllCombinations()
        => [.. Enumerable.Range(0, Colors.Count).SelectMany(c => Shapes.Select(s => (c, s)))];

    public static string CombinationName(int color, SynthShape shape) => $"{Colors[color].Name} {ShapeName(shape)}";
}

namespace ClipSharp.Applications;

/// <summary>
/// One tag: its name, the prompt that describes it, the prompts it competes against, and the probability at or
/// above which an image gets the tag (null: the tagger's global threshold).
/// </summary>
public sealed record TagLabel(string Name, string Prompt, IReadOnlyList<string> Negatives, float? Threshold)
{
    public const string DefaultNegative = "a photo of something else.";

    public static string DefaultPrompt(string name) => $"a photo of {name}.";
}

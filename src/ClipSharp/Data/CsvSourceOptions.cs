namespace ClipSharp.Data;

/// <summary>
/// How to read a caption table. Columns are chosen by header name or by 0-based index; by default the header is
/// searched for a usual image column (image, filepath, path, file, filename, url) and caption column
/// (caption, text, title, prompt).
/// </summary>
public sealed record CsvSourceOptions
{
    public static CsvSourceOptions Default { get; } = new();

    /// <summary>Null: a tab for <c>.tsv</c>, else a comma.</summary>
    public char? Delimiter { get; init; }

    public bool HasHeader { get; init; } = true;

    /// <summary>A header name, or a 0-based index (required without a header).</summary>
    public string? ImageColumn { get; init; }

    public string? CaptionColumn { get; init; }
}

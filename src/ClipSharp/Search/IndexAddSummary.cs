namespace ClipSharp.Search;

/// <summary>A file that could not be indexed, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>What one <c>index add</c> run did.</summary>
public sealed record IndexAddSummary(
    int Scanned, int Added, int Updated, int Unchanged, IReadOnlyList<SkippedFile> Skipped, IReadOnlyList<string> OutsideLinks, int Total);

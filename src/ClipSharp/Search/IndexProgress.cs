namespace ClipSharp.Search;

/// <summary>Files examined so far out of the files found.</summary>
public readonly record struct IndexProgress(int Done, int Total);

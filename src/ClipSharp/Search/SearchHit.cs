namespace ClipSharp.Search;

/// <summary>One result: the entry's id in the catalog, its source (a file path or a caption) and its cosine to the query.</summary>
public sealed record SearchHit(long Id, string Source, float Score);

namespace ClipSharp.Search;

/// <summary>A candidate by position in the searched matrix, with its cosine to the query.</summary>
public readonly record struct Neighbor(int Index, float Score);

namespace ClipSharp.Training.Demo;

/// <summary>A text→image query of the demo and its best images, each with its attributes and whether it matches the query.</summary>
public sealed record DemoSearchResult(string Query, IReadOnlyList<(string Image, bool Match)> Top);

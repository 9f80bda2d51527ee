namespace ClipSharp.Search;

/// <summary>An entry to add or replace, with its embedding [D].</summary>
public sealed record PendingEntry(string Source, long Size, long MtimeTicks, string? Hash, int Width, int Height, float[] Embedding);

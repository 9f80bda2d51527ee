namespace ClipSharp.Search;

/// <summary>
/// One catalog row. <paramref name="Row"/> is the entry's row in the embedding sidecar; rows are never reused,
/// so an HNSW graph keyed by row stays valid however the catalog changes.
/// </summary>
public sealed record IndexEntry(
    long Id, string Source, long Size, long MtimeTicks, string? Hash, int Width, int Height, long Row);

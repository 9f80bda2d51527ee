namespace ClipSharp.Search;

/// <summary>How <see cref="SearchIndex.Open"/> answers queries.</summary>
public sealed record SearchIndexOptions
{
    public static SearchIndexOptions Default { get; } = new();

    /// <summary>
    /// The engine; null picks it from the folder: HNSW when the writer built a graph (from
    /// <see cref="SearchIndex.DefaultExactThreshold"/> entries on), exact otherwise. Asking for HNSW where there is no
    /// graph is an error; the quantized engine works on any index and builds its codes while opening.
    /// </summary>
    public SearchEngineKind? Engine { get; init; }

    public HnswSettings Hnsw { get; init; } = HnswSettings.Default;

    public QuantizedSettings Quantized { get; init; } = QuantizedSettings.Default;
}

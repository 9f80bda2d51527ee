namespace ClipSharp.Data;

/// <summary>
/// The samples of one or more sources, in a fixed order (the shuffle is the pipeline's), and the entries the
/// sources already had to skip while listing them (a missing or empty caption).
/// </summary>
public sealed class CaptionDataset
{
    public CaptionDataset(string description, IReadOnlyList<CaptionedSample> samples, IReadOnlyList<BadSample>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        Description = description;
        Samples = samples;
        Skipped = skipped ?? [];
    }

    public string Description { get; }

    public IReadOnlyList<CaptionedSample> Samples { get; }

    public IReadOnlyList<BadSample> Skipped { get; }

    public int Count => Samples.Count;

    /// <summary>
    /// Opens a source by its form: a <c>.csv</c>/<c>.tsv</c> file, a <c>.tar</c> shard, a glob or comma-separated
    /// list of shards, or a folder of images with sidecar <c>.txt</c> captions.
    /// </summary>
    public static CaptionDataset Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return ImageFolderSource.Load(path);
        }

        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".csv" or ".tsv")
        {
            return CsvCaptionSource.Load(path);
        }

        if (path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) || path.Contains('*', StringComparison.Ordinal)
            || path.Contains('?', StringComparison.Ordinal) || path.Contains(',', StringComparison.Ordinal))
        {
            return WebDatasetSource.Load(WebDatasetSource.ExpandShards(path));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such data file or folder.", path);
        }

        throw new InvalidDataException(
            $"{path}: unknown data source; expected a .csv or .tsv file, .tar shards (a glob or a comma-separated list), or a folder of images with .txt captions.");
    }

    /// <summary>Several datasets one after another, keys and skips kept.</summary>
    public static CaptionDataset Concat(IReadOnlyList<CaptionDataset> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new CaptionDataset(
            string.Join(" + ", parts.Select(p => p.Description)),
            [.. parts.SelectMany(p => p.Samples)],
            [.. parts.SelectMany(p => p.Skipped)]);
    }
}

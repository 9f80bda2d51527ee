using System.Globalization;

namespace ClipSharp.Search;

/// <summary>The files of an index folder and the catalog's meta keys.</summary>
internal static class IndexLayout
{
    public const int FormatVersion = 1;
    public const string LockFile = "write.lock";
    public const string MetaFormat = "format";
    public const string MetaModelId = "model_id";
    public const string MetaModelName = "model_name";
    public const string MetaDimension = "dimension";
    public const string MetaKind = "kind";
    public const string MetaExactThreshold = "exact_threshold";

    /// <summary>Sidecar rows the catalog has committed; rows past it are an interrupted write's leftovers.</summary>
    public const string MetaCommittedRows = "committed_rows";

    private const string GraphPrefix = "hnsw-";
    private const string GraphSuffix = ".usearch";

    public static string Catalog(string folder) => Path.Combine(folder, IndexCatalog.FileName);

    public static string Sidecar(string folder) => Path.Combine(folder, EmbeddingSidecar.FileName);

    /// <summary>A graph file is named by how many sidecar rows it covers, so that saving a new one never overwrites the one a reader uses.</summary>
    public static string Graph(string folder, long coveredRows) => Path.Combine(folder, $"{GraphPrefix}{coveredRows.ToString(CultureInfo.InvariantCulture)}{GraphSuffix}");

    /// <summary>The graph files present, by rows covered, largest first.</summary>
    public static List<(long Rows, string Path)> Graphs(string folder)
    {
        var graphs = new List<(long, string)>();
        foreach (string file in Directory.EnumerateFiles(folder, GraphPrefix + "*" + GraphSuffix))
        {
            string name = Path.GetFileName(file);
            string number = name[GraphPrefix.Length..^GraphSuffix.Length];
            if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long rows))
            {
                graphs.Add((rows, file));
            }
        }

        graphs.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return graphs;
    }
}

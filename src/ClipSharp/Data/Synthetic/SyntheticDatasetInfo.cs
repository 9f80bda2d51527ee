namespace ClipSharp.Data.Synthetic;

/// <summary>What <see cref="SyntheticDatasetWriter.Write"/> produced, as also recorded in <c>split.json</c>.</summary>
public sealed record SyntheticDatasetInfo(
    string Folder,
    int TrainCount,
    int ValidationCount,
    IReadOnlyDictionary<string, int> EvalCounts,
    HeldOutSplit Split)
{
    public string TrainCsv => Path.Combine(Folder, "train.csv");

    public string ValidationCsv => Path.Combine(Folder, "val.csv");

    /// <summary>The ImageFolder-style evaluation set: "seen", "unseen", "color" or "shape".</summary>
    public string EvalFolder(string set) => Path.Combine(Folder, "eval", set);
}

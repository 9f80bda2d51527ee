namespace ClipSharp.Evaluation;

/// <summary>Per-class zero-shot accuracy: how many images of the class, and the fraction classified correctly.</summary>
public sealed record ClassAccuracy(string Name, int Count, double Accuracy);

/// <summary>
/// Zero-shot classification results. <see cref="Confusion"/>[true, predicted] counts images (top-1);
/// <see cref="Chance"/> is 1 / classes.
/// </summary>
public sealed record ZeroShotReport(
    IReadOnlyList<string> ClassNames,
    int Count,
    double Top1,
    double Top5,
    IReadOnlyList<ClassAccuracy> PerClass,
    int[,] Confusion,
    int[] Predictions)
{
    public double Chance => 1.0 / ClassNames.Count;
}

namespace ClipSharp.Evaluation;

/// <summary>Linear-probe results: accuracy of the logistic regression on the test images, and its fit.</summary>
public sealed record LinearProbeReport(IReadOnlyList<string> ClassNames, int TrainCount, int TestCount, double Accuracy, double TrainAccuracy, int Iterations, double L2)
{
    public double Chance => 1.0 / ClassNames.Count;
}

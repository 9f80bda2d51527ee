namespace ClipSharp.Training.Demo;

/// <summary>What the demo measured, and where it wrote its files.</summary>
public sealed record SyntheticDemoReport(
    IReadOnlyList<DemoMetric> Metrics,
    IReadOnlyList<DemoSearchResult> Searches,
    IReadOnlyList<string> HeldOut,
    long Steps,
    double SamplesPerSecond,
    double TrainSeconds,
    double TotalSeconds,
    long ParameterCount,
    string ModelFolder,
    IReadOnlyList<string> Plots)
{
    public DemoMetric this[string name] => Metrics.First(m => m.Name == name);
}

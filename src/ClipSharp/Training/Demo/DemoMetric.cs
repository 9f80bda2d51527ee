namespace ClipSharp.Training.Demo;

/// <summary>One accuracy of the demo next to its chance level.</summary>
public sealed record DemoMetric(string Name, string Description, double Value, double Chance);

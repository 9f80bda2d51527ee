namespace ClipSharp.Training.Demo;

/// <summary>The demo's step count for its budget, the training time limit that keeps it there, and the speed it came from.</summary>
public readonly record struct DemoPlan(long Steps, TimeSpan TrainLimit, double SamplesPerSecond);

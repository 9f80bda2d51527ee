namespace ClipSharp.Training;

/// <summary>Where a run stands after a step, for a progress display.</summary>
public sealed record TrainingProgress(long Step, long TotalSteps, float Loss, double LearningRate, double SamplesPerSecond, TimeSpan? Remaining);

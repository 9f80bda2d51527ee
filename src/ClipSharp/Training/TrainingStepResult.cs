namespace ClipSharp.Training;

/// <summary>One optimizer step: the loss of its forward pass, the rate used, the gradient norm before clipping.</summary>
public sealed record TrainingStepResult(long Step, float Loss, double LearningRate, double GradientNorm);

namespace ClipSharp.Training;

/// <summary>One optimizer step: the loss of its forward pass, the rate used, the gradient norm before clipping.</summary>
public readonly record struct TrainingStepResult(long Step, float Loss, double LearningRate, double GradientNorm);

namespace ClipSharp.Training;

/// <summary>The learning rate for a 0-based optimizer step.</summary>
public interface ILearningRateSchedule
{
    double At(long step);
}

/// <summary>The same rate every step.</summary>
public sealed class ConstantSchedule(double learningRate) : ILearningRateSchedule
{
    public double LearningRate { get; } = learningRate;

    public double At(long step) => LearningRate;
}

/// <summary>
/// Linear warmup to the base rate over <c>warmup</c> steps (step s gets base·(s+1)/warmup), then a half cosine from the
/// base rate down to 0 at <c>totalSteps</c> (open_clip's cosine_lr).
/// </summary>
public sealed class CosineSchedule : ILearningRateSchedule
{
    public CosineSchedule(double baseLearningRate, long warmupSteps, long totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(baseLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (totalSteps < warmupSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"total steps must be at least the {warmupSteps} warmup steps.");
        }

        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    public double BaseLearningRate { get; }

    public long WarmupSteps { get; }

    public long TotalSteps { get; }

    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return BaseLearningRate * (step + 1) / WarmupSteps;
        }

        long decay = TotalSteps - WarmupSteps;
        if (decay <= 0)
        {
            return BaseLearningRate;
        }

        double progress = Math.Min(1.0, (step - WarmupSteps) / (double)decay);
        return 0.5 * (1 + Math.Cos(Math.PI * progress)) * BaseLearningRate;
    }
}

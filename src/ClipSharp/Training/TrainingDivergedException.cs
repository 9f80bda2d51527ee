namespace ClipSharp.Training;

/// <summary>The loss became NaN or infinite: the run stopped and its last good checkpoint is left as it was.</summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    public TrainingDivergedException()
    {
    }

    public TrainingDivergedException(string message, long step, string? lastCheckpoint)
        : base(message)
    {
        Step = step;
        LastCheckpoint = lastCheckpoint;
    }

    /// <summary>The step whose loss was not finite.</summary>
    public long Step { get; }

    /// <summary>The last checkpoint written before it, if any.</summary>
    public string? LastCheckpoint { get; }
}

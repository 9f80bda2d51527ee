namespace ClipSharp.Training.Demo;

/// <summary>
/// The demo's time budget fits fewer steps than its recipe needs on this machine: training anyway would spend the
/// budget on a model that has not learned, so the demo stops before training and says what would fit.
/// </summary>
public sealed class DemoTooSlowException : Exception
{
    public DemoTooSlowException()
    {
    }

    public DemoTooSlowException(string message)
        : base(message)
    {
    }

    public DemoTooSlowException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public DemoTooSlowException(double samplesPerSecond, TimeSpan budget, long fittingSteps, long requiredSteps, TimeSpan requiredTime)
        : base(Describe(samplesPerSecond, budget, fittingSteps, requiredSteps, requiredTime))
    {
        SamplesPerSecond = samplesPerSecond;
        Budget = budget;
        FittingSteps = fittingSteps;
        RequiredSteps = requiredSteps;
        RequiredTime = requiredTime;
    }

    /// <summary>The training speed measured on this machine.</summary>
    public double SamplesPerSecond { get; }

    public TimeSpan Budget { get; }

    /// <summary>The steps the budget fits at that speed.</summary>
    public long FittingSteps { get; }

    /// <summary>The steps the recipe needs to meet its bars.</summary>
    public long RequiredSteps { get; }

    /// <summary>About how long the whole demo would take here with <see cref="RequiredSteps"/>.</summary>
    public TimeSpan RequiredTime { get; }

    private static string Describe(double samplesPerSecond, TimeSpan budget, long fittingSteps, long requiredSteps, TimeSpan requiredTime)
    {
        double minutes = Math.Ceiling(requiredTime.TotalMinutes);
        return FormattableString.Invariant(
            $"this machine trains {samplesPerSecond:F0} samples/s, so the {budget.TotalMinutes:0.#} min budget fits {fittingSteps} steps and the recipe needs {requiredSteps} to learn shapes. ")
            + FormattableString.Invariant(
            $"Train the whole recipe with --steps {requiredSteps} (about {minutes:F0} min here) or --minutes {minutes:F0}, or give fewer --steps for a model that has learned less.");
    }
}

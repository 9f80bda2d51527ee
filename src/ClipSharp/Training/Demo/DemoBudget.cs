namespace ClipSharp.Training.Demo;

/// <summary>
/// Fits the demo's step count to its wall-clock budget from the speed measured on this machine, and refuses a budget
/// too short for the recipe to learn in, so a slow machine learns that at the start rather than after ten minutes.
/// </summary>
public static class DemoBudget
{
    /// <summary>Seconds kept back for the final evaluation, the plots and the checkpoint beyond the evaluations themselves.</summary>
    private const double ReserveSeconds = 5;

    /// <summary>
    /// The steps that fit what is left of <paramref name="budget"/> after <paramref name="elapsed"/>, counting a
    /// validation every <paramref name="evalEvery"/> steps, and the training time limit that keeps a machine that slows
    /// down later within the budget.
    /// </summary>
    /// <exception cref="DemoTooSlowException">Fewer than <paramref name="requiredSteps"/> steps fit.</exception>
    public static DemoPlan Fit(
        TimeSpan budget, TimeSpan elapsed, double stepSeconds, double evalSeconds, long evalEvery, int batchSize, long requiredSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(evalSeconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        double left = budget.TotalSeconds - elapsed.TotalSeconds - (3 * evalSeconds) - ReserveSeconds;
        long guess = (long)Math.Max(0, left / stepSeconds);
        long evals = evalEvery > 0 ? guess / evalEvery : 0;
        long steps = (long)Math.Max(0, (left - (evals * evalSeconds)) / stepSeconds);
        if (steps < requiredSteps)
        {
            // What the whole recipe would take here: its steps, their validations and the same fixed costs.
            long requiredEvals = evalEvery > 0 ? requiredSteps / evalEvery : 0;
            double needed = elapsed.TotalSeconds + (requiredSteps * stepSeconds) + ((requiredEvals + 3) * evalSeconds) + ReserveSeconds;
            throw new DemoTooSlowException(batchSize / stepSeconds, budget, Math.Max(0, steps), requiredSteps, TimeSpan.FromSeconds(needed));
        }

        var limit = TimeSpan.FromSeconds(Math.Max(1, budget.TotalSeconds - elapsed.TotalSeconds - (2 * evalSeconds)));
        return new DemoPlan(Math.Max(1, steps), limit, batchSize / stepSeconds);
    }
}

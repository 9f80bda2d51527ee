using ClipSharp.Data;
using ClipSharp.Distributed;

namespace ClipSharp.Training;

/// <summary>What a finished run did.</summary>
/// <param name="FinalCheckpoint">The checkpoint written at the end: a model folder loadable like any other.</param>
/// <param name="StartStep">The step the run started from (0, or the resumed checkpoint's).</param>
/// <param name="Steps">The step the run ended at: the planned total, or fewer when its time limit was reached.</param>
/// <param name="LastLoss">The loss of the last step taken.</param>
/// <param name="SamplesPerSecond">Training throughput of this invocation (steps taken here only).</param>
/// <param name="TrainSeconds">Wall-clock seconds spent in this invocation's steps, validation excluded.</param>
/// <param name="LastEvaluation">The last validation metrics, if a validation ran.</param>
/// <param name="BadSamples">Samples skipped by the data pipeline.</param>
public sealed record TrainingRunResult(
    string FinalCheckpoint,
    long StartStep,
    long Steps,
    float LastLoss,
    double SamplesPerSecond,
    double TrainSeconds,
    IReadOnlyDictionary<string, double>? LastEvaluation,
    IReadOnlyList<BadSample> BadSamples)
{
    /// <summary>
    /// What this rank's collectives took over this invocation's steps (inside <see cref="TrainSeconds"/>): zero for
    /// one process. The time includes waiting for slower ranks.
    /// </summary>
    public CommunicationTotals Communication { get; init; }
}

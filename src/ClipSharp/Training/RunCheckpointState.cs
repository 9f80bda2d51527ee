using ClipSharp.Data;

namespace ClipSharp.Training;

/// <summary>
/// The non-tensor state of a run at a checkpoint. The data pipeline's randomness (shuffles, crops) is a pure function
/// of (seed, epoch, sample), so (<see cref="DataSeed"/>, <see cref="Position"/>) is its complete RNG state.
/// </summary>
/// <param name="Step">Optimizer steps taken.</param>
/// <param name="Position">The data position of the next batch.</param>
/// <param name="DataSeed">The data loader's seed.</param>
/// <param name="Loss">The loss of the last step taken.</param>
/// <param name="SamplesSeen">Training pairs consumed so far.</param>
public sealed record RunCheckpointState(long Step, DataPosition Position, long DataSeed, float Loss, long SamplesSeen);

namespace ClipSharp.Cli.Tests;

/// <summary>
/// Tests that run builds or child processes on their own, with no other test running: they would otherwise take the
/// cores that the timing of the kill tests relies on.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHeavyCollection
{
    public const string Name = "process-heavy";
}

namespace ClipSharp.Server.Tests;

/// <summary>
/// Tests that bound what the whole process allocates while a request runs: no other test may run beside them, or its
/// allocations would count against theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasuredCollection
{
    public const string Name = "allocation-measured";
}

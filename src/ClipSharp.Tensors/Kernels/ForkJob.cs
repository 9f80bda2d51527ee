namespace ClipSharp.Tensors.Kernels;

/// <summary>A fork that <see cref="ForkWorkers"/> helpers can join while its caller works on it.</summary>
internal interface IForkJob
{
    /// <summary>Whether a helper place is still open.</summary>
    bool Wanted { get; }

    /// <summary>Takes one open helper place; false when none is left.</summary>
    bool TryClaim();

    /// <summary>Runs items as the helper that claimed a place, then lets go of the job.</summary>
    void Help();
}

namespace ClipSharp.Distributed;

/// <summary>
/// The communicator of this process: MPI's when a launcher started it as one rank of a job, the single-process one
/// otherwise, so that a plain run needs no MPI library at all.
/// </summary>
public static class Communicators
{
    // Open MPI's mpirun, PMI-based launchers (MPICH's Hydra, Slurm's srun with PMI) and Slurm itself.
    private static readonly string[] s_launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"];

    /// <summary>Whether a launcher started this process as one rank of a job of more than one.</summary>
    public static bool LaunchedAsJob => s_launcherVariables.Any(name => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v && v != "1");

    /// <summary>
    /// <see cref="MpiCommunicator.Initialize"/> when <see cref="LaunchedAsJob"/>, else the single-process
    /// communicator. Dispose what this returns at the end of the process (MPI needs finalising).
    /// </summary>
    /// <exception cref="MpiLibraryNotFoundException">Launched as a job, but no MPI library is installed.</exception>
    public static ICommunicator FromEnvironment() => LaunchedAsJob ? MpiCommunicator.Initialize() : SingleProcessCommunicator.Instance;
}

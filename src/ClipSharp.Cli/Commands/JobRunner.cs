using ClipSharp.Distributed;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// Runs a command as this process's part of a job: one rank of an MPI job when a launcher started it, one process
/// otherwise; a rank that fails ends the job with one line naming it (<see cref="RankGuard"/>).
/// </summary>
internal static class JobRunner
{
    public static int Run(CliContext context, Func<ICommunicator, int> body)
    {
        ICommunicator communicator;
        try
        {
            communicator = Communicators.FromEnvironment();
        }
        catch (MpiLibraryNotFoundException e)
        {
            throw new CliException(e.Message);
        }

        using (communicator)
        {
            return RankGuard.Run(communicator, context.Error, () => body(communicator));
        }
    }
}

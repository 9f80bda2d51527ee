namespace ClipSharp.Distributed;

/// <summary>
/// The outermost frame of a rank's work: an exception that escapes it on one rank would leave the other ranks
/// waiting in their next collective for ever, so it is reported with the rank's name and the whole job aborted.
/// </summary>
public static class RankGuard
{
    /// <summary>The exit code of a job aborted because a rank failed.</summary>
    public const int FailedExitCode = 3;

    /// <summary>
    /// Runs <paramref name="body"/>; with more than one rank, an exception from it is written to
    /// <paramref name="error"/> as one line naming this rank, and the job is aborted. With one rank it propagates.
    /// </summary>
    public static int Run(ICommunicator communicator, TextWriter error, Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(body);
        if (communicator.Size == 1)
        {
            return body();
        }

        try
        {
            return body();
        }
        catch (Exception e)
        {
            error.WriteLine(Describe(communicator, e));
            error.Flush();
            communicator.Abort(FailedExitCode);
            throw;
        }
    }

    /// <summary>"rank R of N failed: message", the line a failing rank leaves before the job ends.</summary>
    public static string Describe(ICommunicator communicator, Exception e)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(e);
        return $"clip: rank {communicator.Rank} of {communicator.Size} failed, ending the job: {e.GetType().Name}: {e.Message}";
    }
}

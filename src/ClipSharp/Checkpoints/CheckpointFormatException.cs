namespace ClipSharp.Checkpoints;

/// <summary>A checkpoint file that is not what it claims to be. The message names the file and the problem.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    public CheckpointFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CheckpointFormatException()
    {
    }
}

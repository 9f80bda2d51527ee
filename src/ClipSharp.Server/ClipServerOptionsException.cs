namespace ClipSharp.Server;

/// <summary>A <see cref="ClipServerOptions"/> value (or an API key from configuration) the server cannot run with; the message names it.</summary>
public sealed class ClipServerOptionsException : Exception
{
    public ClipServerOptionsException()
    {
    }

    public ClipServerOptionsException(string message)
        : base(message)
    {
    }

    public ClipServerOptionsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

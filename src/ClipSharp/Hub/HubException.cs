namespace ClipSharp.Hub;

/// <summary>A download from the model hub failed; the message names the repository, the file and the reason.</summary>
public sealed class HubException : IOException
{
    public HubException(string message)
        : base(message)
    {
    }

    public HubException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public HubException()
    {
    }
}

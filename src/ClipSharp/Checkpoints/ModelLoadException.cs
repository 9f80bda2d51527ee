namespace ClipSharp.Checkpoints;

/// <summary>A model file or folder that cannot be loaded; the message names the path and what is missing or wrong.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ModelLoadException()
    {
    }
}

namespace ClipSharp.Imaging;

/// <summary>A file that cannot be decoded into pixels: missing, unreadable, unknown format, corrupt, truncated or too large.</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string name, string problem, Exception? inner = null)
        : base($"cannot decode image '{name}': {problem}", inner)
    {
        Name = name;
        Problem = problem;
    }

    /// <summary>The file path or caller-supplied name of the input.</summary>
    public string Name { get; }

    public string Problem { get; }
}

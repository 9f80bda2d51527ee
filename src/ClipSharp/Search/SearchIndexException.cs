namespace ClipSharp.Search;

/// <summary>An index on disk that cannot be used as asked: missing, damaged, locked, or built by another model.</summary>
public sealed class SearchIndexException : IOException
{
    public SearchIndexException(string message)
        : base(message)
    {
    }

    public SearchIndexException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SearchIndexException()
    {
    }
}

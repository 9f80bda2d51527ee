namespace ClipSharp.Server;

/// <summary>The model queue is full: the request is refused (429 with Retry-After) instead of waiting.</summary>
internal sealed class ModelBusyException : Exception
{
    public ModelBusyException(int capacity, TimeSpan retryAfter)
        : base($"the model is busy: {capacity} requests are already waiting; retry after {(int)retryAfter.TotalSeconds} s.")
        => RetryAfter = retryAfter;

    public ModelBusyException()
    {
    }

    public ModelBusyException(string message)
        : base(message)
    {
    }

    public ModelBusyException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(1);
}

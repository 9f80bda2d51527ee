namespace ClipSharp.Distributed;

/// <summary>An MPI call reported an error.</summary>
public sealed class MpiException(string call, int code)
    : Exception($"{call} failed with MPI error code {code}.")
{
    public string Call { get; } = call;

    public int Code { get; } = code;
}

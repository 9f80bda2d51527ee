namespace ClipSharp.Data;

/// <summary>A sample that was skipped: which one, where it came from, and why.</summary>
public sealed record BadSample(string Key, string Source, string Reason)
{
    public override string ToString() => $"{Key} ({Source}): {Reason}";
}

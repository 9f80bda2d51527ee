namespace ClipSharp.Data;

/// <summary>
/// The skipped samples of a run, for its summary. Thread-safe: pipeline workers add to it concurrently.
/// A sample that fails again in a later epoch is listed once and counted every time.
/// </summary>
public sealed class BadSampleLog
{
    private readonly Lock _gate = new();
    private readonly List<BadSample> _samples = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private long _skips;

    public BadSampleLog(IEnumerable<BadSample>? initial = null)
    {
        foreach (BadSample s in initial ?? [])
        {
            Add(s);
        }
    }

    /// <summary>Every skip, repeats in later epochs included.</summary>
    public long SkipCount
    {
        get
        {
            lock (_gate)
            {
                return _skips;
            }
        }
    }

    /// <summary>The distinct skipped samples, in the order they were first met.</summary>
    public IReadOnlyList<BadSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Distinct skipped samples per reason, e.g. "empty caption" → 3.</summary>
    public IReadOnlyDictionary<string, int> CountsByReason
    {
        get
        {
            lock (_gate)
            {
                return _samples.GroupBy(s => ReasonKind(s.Reason), StringComparer.Ordinal)
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            }
        }
    }

    public void Add(BadSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        lock (_gate)
        {
            _skips++;
            if (_keys.Add(sample.Key))
            {
                _samples.Add(sample);
            }
        }
    }

    // The reason up to its first colon, so "unreadable image: <decoder detail>" groups as "unreadable image".
    private static string ReasonKind(string reason)
    {
        int colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? reason : reason[..colon];
    }
}

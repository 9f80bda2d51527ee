namespace ClipSharp.Models;

/// <summary>A state dict that does not fit the architecture exactly: every problem is listed, not just the first.</summary>
public sealed class StateDictMismatchException : Exception
{
    public StateDictMismatchException(
        IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapeMismatches)
        : base(Describe(missing, unexpected, shapeMismatches))
    {
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatches = shapeMismatches;
    }

    /// <summary>"name (expected [shape])" for each tensor the model needs but the state dict lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>"name (found [shape])" for each tensor the model has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"name (expected [a], found [b])".</summary>
    public IReadOnlyList<string> ShapeMismatches { get; }

    private static string Describe(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapes)
    {
        var lines = new List<string> { "the state dict does not match the CLIP architecture:" };
        lines.AddRange(missing.Select(m => "  missing: " + m));
        lines.AddRange(unexpected.Select(u => "  unexpected: " + u));
        lines.AddRange(shapes.Select(s => "  shape mismatch: " + s));
        return string.Join(Environment.NewLine, lines);
    }
}

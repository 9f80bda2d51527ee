namespace ClipSharp.Applications;

/// <summary>One label's outcome for one image: the probability that its prompt beats its negatives, and whether it passes.</summary>
public readonly record struct TagScore(string Label, float Probability, float Cosine, float Threshold, bool Match);

/// <summary>All labels' outcomes for one image, in labels-file order.</summary>
public sealed record TagVerdict(string Image, IReadOnlyList<TagScore> Scores)
{
    public IEnumerable<string> Tags => Scores.Where(s => s.Match).Select(s => s.Label);
}

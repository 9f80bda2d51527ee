namespace ClipSharp.Localization;

/// <summary>
/// What <see cref="LocateMethod.Occlusion"/> measures the drop of, for one prompt among the prompts of a call. The
/// discriminative scores compare the prompt with the call's other prompts, so that covering a part of the image
/// that lowers every prompt's cosine alike (another object the model half-confuses with this one) scores little;
/// they need at least two prompts, and with one they are <see cref="Cosine"/>.
/// </summary>
public enum OcclusionScore
{
    /// <summary>The prompt's cosine with the image's embedding.</summary>
    Cosine,

    /// <summary>
    /// The prompt's probability among the call's prompts: the softmax over the prompts of the model's logit scale
    /// times their cosines, as zero-shot classification computes it.
    /// </summary>
    Probability,

    /// <summary>The prompt's cosine less the mean cosine of the call's other prompts.</summary>
    Contrast,

    /// <summary>The prompt's cosine drop less the largest cosine drop among the call's other prompts.</summary>
    Margin,
}

/// <summary>The occlusion scores' names on the command line and in requests.</summary>
public static class OcclusionScores
{
    /// <summary>Every score's name, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cosine", "probability", "contrast", "margin"];

    /// <summary>The score of a name (as in <see cref="Names"/>, any case).</summary>
    /// <exception cref="LocateOptionsException">No score has that name (<see cref="LocateOptionsException.Option"/> is <c>OcclusionScore</c>).</exception>
    public static OcclusionScore Parse(string name) => LocateNames.Parse<OcclusionScore>(Names, nameof(LocateOptions.OcclusionScore), name, "occlusion score");

    public static string Name(this OcclusionScore score) => LocateNames.Name(Names, score);
}

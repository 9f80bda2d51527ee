namespace ClipSharp.Training;

/// <summary>AdamW settings; the defaults are CLIP's (betas 0.9/0.98, eps 1e-6, weight decay 0.2).</summary>
public sealed record AdamWOptions
{
    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    public double Eps { get; init; } = 1e-6;

    /// <summary>Applied to the decay group only (see <see cref="AdamW.Decays"/>).</summary>
    public double WeightDecay { get; init; } = 0.2;
}

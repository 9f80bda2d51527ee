namespace ClipSharp.Evaluation;

/// <summary>
/// How one way of generating transfers: for images made with the generating model, one per colour×shape prompt, the
/// share whose colour (8-way) and shape (6-way) the judging model names zero-shot, the share with both right, the
/// same shares by the generating model itself, and the generating model's mean cosine with its prompts.
/// </summary>
public sealed record GenerationTransferScores(
    string Method,
    int Images,
    double ColorAccuracy,
    double ShapeAccuracy,
    double BothAccuracy,
    double SelfColorAccuracy,
    double SelfShapeAccuracy,
    double MeanSimilarity)
{
    public static double ColorChance => 1.0 / Data.Synthetic.SynthVocabulary.Colors.Count;

    public static double ShapeChance => 1.0 / Data.Synthetic.SynthVocabulary.Shapes.Count;
}

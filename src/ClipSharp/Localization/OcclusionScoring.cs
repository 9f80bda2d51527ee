using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Localization;

/// <summary>
/// The <see cref="OcclusionScore"/> of every prompt from the prompts' cosines with one image. Each is a function of
/// the whole vector of cosines, so occlusion's drop for a prompt is this score of the image less that of the occluded
/// image; for <see cref="OcclusionScore.Contrast"/> that equals the prompt's cosine drop less the mean drop of the others.
/// </summary>
internal static class OcclusionScoring
{
    /// <summary>The score that is used: <paramref name="score"/>, or the cosine when there is one prompt and so none to compare it with.</summary>
    public static OcclusionScore Effective(OcclusionScore score, int prompts) => prompts < 2 ? OcclusionScore.Cosine : score;

    /// <summary>
    /// drops[p]: how much occluding lowered prompt p's <paramref name="score"/>, from the cosines of the image
    /// (<paramref name="before"/>, [P]) and of the occluded image (<paramref name="after"/>), with <paramref name="reference"/>
    /// the image's own scores (<see cref="Of"/> of <paramref name="before"/>, which every occluder shares).
    /// </summary>
    public static void Drops(
        OcclusionScore score, ReadOnlySpan<float> before, ReadOnlySpan<float> reference, ReadOnlySpan<float> after, float scale, Span<float> drops)
    {
        int n = before.Length;
        if (Effective(score, n) != OcclusionScore.Margin)
        {
            Of(score, after, scale, drops);
            TensorPrimitives.Subtract(reference, drops, drops);
            return;
        }

        // The margin is not a difference of one function of the cosines, so it is taken from the cosine drops.
        TensorPrimitives.Subtract(before, after, drops);
        (int first, float top, float second) = (0, float.NegativeInfinity, float.NegativeInfinity);
        for (int p = 0; p < n; p++)
        {
            if (drops[p] > top)
            {
                (first, second, top) = (p, top, drops[p]);
            }
            else if (drops[p] > second)
            {
                second = drops[p];
            }
        }

        for (int p = 0; p < n; p++)
        {
            drops[p] -= p == first ? second : top;
        }
    }

    /// <summary>scores[p] from cosines[p] (both [P], which may be one span); <paramref name="scale"/> is the model's logit scale (not its log).</summary>
    public static void Of(OcclusionScore score, ReadOnlySpan<float> cosines, float scale, Span<float> scores)
    {
        int n = cosines.Length;
        switch (Effective(score, n))
        {
            case OcclusionScore.Cosine:
            case OcclusionScore.Margin: // its drops are taken from the cosines' (Drops)
                cosines.CopyTo(scores);
                break;
            case OcclusionScore.Probability:
                LogSoftMax(cosines, scale, scores);
                TensorPrimitives.Exp(scores, scores);
                break;
            case OcclusionScore.Contrast:
                {
                    float total = TensorPrimitives.Sum(cosines);
                    for (int p = 0; p < n; p++)
                    {
                        scores[p] = cosines[p] - ((total - cosines[p]) / (n - 1));
                    }

                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(score), score, "unknown occlusion score.");
        }
    }

    // scores = log softmax(scale · cosines), the maximum taken out first so that no exponential overflows. Element by
    // element, so scores may be cosines itself.
    private static void LogSoftMax(ReadOnlySpan<float> cosines, float scale, Span<float> scores)
    {
        TensorPrimitives.Multiply(cosines, scale, scores);
        float max = TensorPrimitives.Max(scores);
        double sum = 0;
        foreach (float s in scores)
        {
            sum += Math.Exp(s - max);
        }

        TensorPrimitives.Subtract(scores, max + (float)Math.Log(sum), scores);
    }
}

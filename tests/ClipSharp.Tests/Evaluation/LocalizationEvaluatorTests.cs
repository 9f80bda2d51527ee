using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Evaluation;
using ClipSharp.Localization;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Evaluation;

/// <summary>
/// The localisation evaluation with the tiny golden ViT (random weights: its scores are near chance, but the
/// baselines are exact properties of the scenes and the whole run is deterministic).
/// </summary>
public sealed class LocalizationEvaluatorTests
{
    private static readonly Lazy<ClipLocator> s_locator = new(
        () => ClipLocator.Create(Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab)));

    [Fact]
    public void ScoresAreSharesAndTheBaselinesFollowFromTheMasks()
    {
        IReadOnlyList<LocalizationScores> rows = LocalizationEvaluator.Evaluate(s_locator.Value, 3, [2, 3], seed: 5, cancellation: TestContext.Current.CancellationToken);

        Assert.Equal([2, 3], rows.Select(r => r.ObjectsPerScene));
        foreach (LocalizationScores r in rows)
        {
            Assert.Equal(3, r.Scenes);
            foreach (double v in new[] { r.Pointing, r.PointingCentre, r.PointingRandom, r.MeanIoU, r.MeanIoUBackground, r.MeanIoURandom })
            {
                Assert.InRange(v, 0, 1);
            }

            // Pointing on the objects is a multiple of 1 / (scenes · objects).
            double steps = r.Pointing * r.Scenes * r.ObjectsPerScene;
            Assert.Equal(Math.Round(steps), steps, 9);

            // Labelling everything background scores only the background: its IoU is the uncovered share.
            Assert.InRange(r.MeanIoUBackground, 0.5 / (r.ObjectsPerScene + 1), 1.0 / (r.ObjectsPerScene + 1));
        }

        // The random point's expected hit rate is the mean share of the image an object covers, recomputed here.
        var combinations = new List<(int Color, SynthShape Shape)>();
        for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
        {
            combinations.AddRange(SynthVocabulary.Shapes.Select(s => (c, s)));
        }

        double share = 0;
        for (int i = 0; i < 3; i++)
        {
            SynthScene scene = SceneSampler.Distinct(new DataRandom(DataRandom.Mix(5, 7, 2, i)), combinations, 2);
            share += SceneRenderer.RenderMasks(scene, SceneRenderer.MaxSize).Sum(m => (double)m.Count(b => b) / m.Length);
        }

        Assert.Equal(share / 6, rows[0].PointingRandom, 12);
    }

    [Fact]
    public void TheSameSeedGivesTheSameScores()
    {
        IReadOnlyList<LocalizationScores> a = LocalizationEvaluator.Evaluate(s_locator.Value, 2, [2], seed: 9, cancellation: TestContext.Current.CancellationToken);
        IReadOnlyList<LocalizationScores> b = LocalizationEvaluator.Evaluate(s_locator.Value, 2, [2], seed: 9, cancellation: TestContext.Current.CancellationToken);
        Assert.Equal(a, b);
    }
}

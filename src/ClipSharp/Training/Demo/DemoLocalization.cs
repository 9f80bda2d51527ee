using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Evaluation;
using ClipSharp.Imaging;
using ClipSharp.Localization;

namespace ClipSharp.Training.Demo;

/// <summary>
/// Where the demo's model looks: the pointing game of gradient relevance on seeded two-object scenes (the share of
/// objects whose heat-map peak falls inside their mask, against a uniformly random point), and one overlay picture of
/// such a scene with each object's map. See <see cref="LocalizationEvaluator"/> and docs/localization.md.
/// </summary>
internal static class DemoLocalization
{
    public const string MetricName = "pointing_2_objects";
    public const string OverlayFileName = "locate.png";

    // Enough scenes for a share to about ±5 points; each costs one backward pass per object on the demo's tiny model.
    private const int Scenes = 50;

    public static DemoMetric Measure(Clip clip, long seed, int imageSize, string plotsFolder)
    {
        ClipLocator locator = ClipLocator.Create(clip, new LocateOptions { Method = LocateMethod.Gradient });
        LocalizationScores scores = LocalizationEvaluator.Evaluate(locator, Scenes, [2], seed, imageSize)[0];
        SaveOverlay(locator, seed, imageSize, Path.Combine(plotsFolder, OverlayFileName));
        return new DemoMetric(
            MetricName,
            $"heat-map peak inside the object's mask, gradient relevance, {Scenes} two-object scenes (chance: a random point)",
            scores.Pointing,
            scores.PointingRandom);
    }

    // One two-object scene, the same for every run of a seed, with each object's heat map side by side.
    private static void SaveOverlay(ClipLocator locator, long seed, int imageSize, string path)
    {
        IReadOnlyList<(int Color, SynthShape Shape)> combinations = SynthVocabulary.AllCombinations();

        SynthScene scene = SceneSampler.Distinct(new DataRandom(DataRandom.Mix(seed, 11, 2, 0)), combinations, 2);
        DecodedImage image = Enlarge(SceneRenderer.Render(scene, imageSize), OverlayScale);
        string[] phrases = [.. scene.Objects.Select(o => CaptionWriter.Phrase(o, size: false, position: false))];
        LocalizationOverlay.Save(path, image, locator.Locate(image, phrases), overwrite: true);
    }

    // The scenes are 48 to 64 pixels, too small to read a map on; the picture shows the scene enlarged (the locator
    // resizes it back to the model's resolution, as it does any image).
    private const int OverlayScale = 4;

    private static DecodedImage Enlarge(DecodedImage image, int scale)
    {
        int w = image.Width * scale, h = image.Height * scale;
        return new DecodedImage(w, h, image.Mode, PillowResample.Nearest(image.Pixels, image.Width, image.Height, image.Channels, w, h));
    }
}

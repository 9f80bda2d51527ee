using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;
using ClipSharp.Localization;
using ClipSharp.Tensors;

namespace ClipSharp.Evaluation;

/// <summary>
/// Measures <see cref="ClipLocator"/> on synthetic scenes whose object masks are known: seeded scenes of 2 and 3
/// objects of distinct colour-shape combinations (all 48, seen and held-out alike) in distinct cells, each object
/// named by its phrase ("a red star", used verbatim) and the rest by the label <see cref="BackgroundLabel"/>.
/// </summary>
public static class LocalizationEvaluator
{
    public const string BackgroundLabel = "background";

    private const long Part = 7;

    /// <summary>One row of scores per entry of <paramref name="objectCounts"/>, over <paramref name="scenes"/> scenes each.</summary>
    public static IReadOnlyList<LocalizationScores> Evaluate(
        ClipLocator locator, int scenes, IReadOnlyList<int> objectCounts, long seed, int size = SceneRenderer.MaxSize,
        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentNullException.ThrowIfNull(objectCounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(scenes, 1);
        if (objectCounts.Count == 0)
        {
            throw new ArgumentException("give at least one object count.", nameof(objectCounts));
        }

        IReadOnlyList<(int Color, SynthShape Shape)> combinations = SynthVocabulary.AllCombinations();

        var rows = new List<LocalizationScores>();
        int done = 0;
        foreach (int count in objectCounts)
        {
            double hits = 0, centre = 0, random = 0, miou = 0, miouBackground = 0, miouRandom = 0;
            int objects = 0;
            for (int i = 0; i < scenes; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var rng = new DataRandom(DataRandom.Mix(seed, Part, count, i));
                SynthScene scene = SceneSampler.Distinct(rng, combinations, count);
                DecodedImage image = SceneRenderer.Render(scene, size);
                IReadOnlyList<bool[]> masks = SceneRenderer.RenderMasks(scene, size);
                string[] phrases = [.. scene.Objects.Select(o => CaptionWriter.Phrase(o, size: false, position: false))];
                string[] labels = [.. phrases, BackgroundLabel];
                Tensor embeddings = locator.EmbedPrompts(labels, ClipLocator.Verbatim);

                (IReadOnlyList<PromptLocation> located, Segmentation segmentation) = locator.LocateAndSegment(
                    image, labels, embeddings, phrases.Length, ClipLocator.DefaultThreshold);
                int centrePixel = (size / 2 * size) + (size / 2);
                for (int k = 0; k < count; k++)
                {
                    PixelPoint peak = located[k].Peak;
                    hits += masks[k][(peak.Y * size) + peak.X] ? 1 : 0;
                    centre += masks[k][centrePixel] ? 1 : 0;
                    random += (double)masks[k].Count(m => m) / masks[k].Length;
                }

                objects += count;
                int[] truth = Truth(masks, size);
                miou += MeanIoU(segmentation.Map, truth, labels.Length);
                miouBackground += MeanIoU(new int[truth.Length].AsSpan(), truth, labels.Length, fill: count);
                int[] noise = new int[truth.Length];
                for (int p = 0; p < noise.Length; p++)
                {
                    noise[p] = rng.NextInt(labels.Length);
                }

                miouRandom += MeanIoU(noise, truth, labels.Length);
                progress?.Report(++done);
            }

            rows.Add(new LocalizationScores(
                locator.Method, count, scenes, hits / objects, centre / objects, random / objects, miou / scenes, miouBackground / scenes, miouRandom / scenes));
        }

        return rows;
    }

    // The true label of every pixel: the object covering it, else the background (the last label).
    private static int[] Truth(IReadOnlyList<bool[]> masks, int size)
    {
        var truth = new int[size * size];
        Array.Fill(truth, masks.Count);
        for (int k = 0; k < masks.Count; k++)
        {
            for (int p = 0; p < truth.Length; p++)
            {
                if (masks[k][p])
                {
                    truth[p] = k;
                }
            }
        }

        return truth;
    }

    // The mean over the labels of |predicted ∩ true| / |predicted ∪ true|; fill, when given, replaces every prediction.
    private static double MeanIoU(ReadOnlySpan<int> predicted, int[] truth, int labels, int fill = -1)
    {
        Span<long> intersection = stackalloc long[labels];
        Span<long> union = stackalloc long[labels];
        intersection.Clear();
        union.Clear();
        for (int p = 0; p < truth.Length; p++)
        {
            int a = fill >= 0 ? fill : predicted[p];
            int b = truth[p];
            if (a == b)
            {
                intersection[a]++;
                union[a]++;
            }
            else
            {
                union[a]++;
                union[b]++;
            }
        }

        // A label that is neither predicted nor true anywhere says nothing either way, so it is left out.
        double sum = 0;
        int counted = 0;
        for (int l = 0; l < labels; l++)
        {
            if (union[l] > 0)
            {
                sum += (double)intersection[l] / union[l];
                counted++;
            }
        }

        return sum / counted;
    }
}

using ClipSharp.Data.Synthetic;
using ClipSharp.Evaluation;
using ClipSharp.Tensors;
using ClipSharp.ZeroShot;

namespace ClipSharp.Training.Demo;

/// <summary>The demo's measurements of a model on the synthetic evaluation sets.</summary>
internal sealed class DemoEvaluator(DemoEvaluationSets sets)
{
    /// <summary>All 48 colour×shape class names, shape by shape.</summary>
    private readonly string[] _combinations =
        [.. SynthVocabulary.Shapes.SelectMany(s => Enumerable.Range(0, SynthVocabulary.Colors.Count).Select(c => SynthVocabulary.CombinationName(c, s)))];

    /// <summary>The quick metrics for validation during training.</summary>
    public IReadOnlyDictionary<string, double> Validate(Clip clip)
    {
        var (metrics, _, _) = Measure(clip, searches: false);
        return metrics.ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal);
    }

    /// <summary>Every metric, the search examples and the 48-way report of the held-out images (for the confusion matrix).</summary>
    public (IReadOnlyList<DemoMetric> Metrics, IReadOnlyList<DemoSearchResult> Searches, ZeroShotReport Combined) Measure(Clip clip, bool searches = true)
    {
        Tensor all48 = ZeroShotClassifier.Create(clip, _combinations, ["a {}"]).ClassEmbeddings;
        var seen = sets["seen"];
        var unseen = sets["unseen"];
        Tensor seenImages = Embed(clip, seen);
        Tensor unseenImages = Embed(clip, unseen);
        ZeroShotReport seen48 = ZeroShotEvaluator.Evaluate(seenImages, ToCombined(seen), all48, _combinations);
        ZeroShotReport unseen48 = ZeroShotEvaluator.Evaluate(unseenImages, ToCombined(unseen), all48, _combinations);
        ZeroShotReport unseenOnly = ZeroShotEvaluator.Evaluate(
            unseenImages, unseen.Labels, ZeroShotClassifier.Create(clip, unseen.ClassNames, ["a {}"]).ClassEmbeddings, unseen.ClassNames);

        // A colour is the mean of its prompts over every shape, a shape the mean over every colour (prompt ensembling).
        string[] shapeWords = [.. SynthVocabulary.Shapes.Select(SynthVocabulary.ShapeName)];
        string[] colorWords = [.. SynthVocabulary.Colors.Select(c => c.Name)];
        var color = sets["color"];
        var shape = sets["shape"];
        ZeroShotReport colorReport = ZeroShotEvaluator.Evaluate(
            Embed(clip, color), color.Labels,
            ZeroShotClassifier.Create(clip, color.ClassNames, [.. shapeWords.Select(s => "a {} " + s)]).ClassEmbeddings, color.ClassNames);
        ZeroShotReport shapeReport = ZeroShotEvaluator.Evaluate(
            Embed(clip, shape), shape.Labels,
            ZeroShotClassifier.Create(clip, shape.ClassNames, [.. colorWords.Select(c => $"a {c} {{}}")]).ClassEmbeddings, shape.ClassNames);

        var (r1, r1Chance, examples) = Retrieval(clip, seenImages, unseenImages, searches);
        var metrics = new List<DemoMetric>
        {
            new("seen_top1", "48-way colour×shape, held-out images of combinations seen in training", seen48.Top1, 1.0 / 48),
            new("color_top1", "8-way colour", colorReport.Top1, colorReport.Chance),
            new("shape_top1", "6-way shape", shapeReport.Top1, shapeReport.Chance),
            new("unseen_top1_among_unseen", "combinations never seen in training, among themselves", unseenOnly.Top1, unseenOnly.Chance),
            new("unseen_top1", "combinations never seen in training, 48-way", unseen48.Top1, 1.0 / 48),
            new("retrieval_r1", "text→image: the top image has every attribute the query names", r1, r1Chance),
        };

        int[] combinedLabels = [.. ToCombined(seen), .. ToCombined(unseen)];
        var combinedImages = new Tensor((float[])[.. seenImages.Span, .. unseenImages.Span], combinedLabels.Length, clip.EmbedDim);
        ZeroShotReport combined = ZeroShotEvaluator.Evaluate(combinedImages, combinedLabels, all48, _combinations);
        return (metrics, examples, combined);
    }

    private int[] ToCombined(DemoEvaluationSets.LabelledSet set) =>
        [.. set.Labels.Select(l => Array.IndexOf(_combinations, set.ClassNames[l]))];

    private static Tensor Embed(Clip clip, DemoEvaluationSets.LabelledSet set)
    {
        int r = clip.ImageTransform.Resolution;
        return clip.EncodePixels(new Tensor(set.Pixels, set.Labels.Length, 3, r, r), normalize: true);
    }

    // Queries name a colour and a shape, and a third of them a size; the pool is every seen and held-out image.
    // Chance is, per query, the share of the pool that matches it.
    private (double R1, double Chance, IReadOnlyList<DemoSearchResult> Examples) Retrieval(Clip clip, Tensor seenImages, Tensor unseenImages, bool examples)
    {
        var objects = sets["seen"].Objects.Concat(sets["unseen"].Objects).ToArray();
        var pool = new Tensor((float[])[.. seenImages.Span, .. unseenImages.Span], objects.Length, clip.EmbedDim);
        var queries = new List<(string Text, int Color, SynthShape Shape, bool? Large)>();
        foreach (SynthShape s in SynthVocabulary.Shapes)
        {
            for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
            {
                string name = SynthVocabulary.CombinationName(c, s);
                queries.Add(($"a {name}", c, s, null));
                queries.Add(($"a large {name}", c, s, true));
                queries.Add(($"a small {name}", c, s, false));
            }
        }

        Tensor text = clip.EncodeTexts([.. queries.Select(q => q.Text)], normalize: true);
        Tensor similarity = Clip.CosineSimilarity(text, pool);
        int n = objects.Length;
        int hits = 0;
        double chance = 0;
        var shown = new List<DemoSearchResult>();
        string[] showQueries = examples ? ExampleQueries() : [];
        for (int q = 0; q < queries.Count; q++)
        {
            var (query, color, shape, large) = queries[q];
            bool Match(int i) => objects[i].Color == color && objects[i].Shape == shape && (large is null || objects[i].Large == large);
            ReadOnlySpan<float> row = similarity.Span.Slice(q * n, n);
            int best = 0;
            for (int i = 1; i < n; i++)
            {
                if (row[i] > row[best])
                {
                    best = i;
                }
            }

            hits += Match(best) ? 1 : 0;
            chance += Enumerable.Range(0, n).Count(Match) / (double)n;
            if (showQueries.Contains(query))
            {
                float[] scores = row.ToArray();
                var top = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).Take(5)
                    .Select(i => (Describe(objects[i], i >= sets["seen"].Objects.Length), Match(i))).ToArray();
                shown.Add(new DemoSearchResult(query, top));
            }
        }

        return (hits / (double)queries.Count, chance / queries.Count, shown);
    }

    private string[] ExampleQueries()
    {
        var held = sets.Split.HeldOut;
        var seen = sets.Split.Seen;
        return
        [
            $"a {SynthVocabulary.CombinationName(held[0].Color, held[0].Shape)}",
            $"a large {SynthVocabulary.CombinationName(held[^1].Color, held[^1].Shape)}",
            $"a small {SynthVocabulary.CombinationName(seen[seen.Count / 2].Color, seen[seen.Count / 2].Shape)}",
        ];
    }

    private static string Describe(SynthObject o, bool heldOut) =>
        $"{SynthVocabulary.SizeName(o.Large)} {SynthVocabulary.CombinationName(o.Color, o.Shape)}{(heldOut ? " (held out)" : string.Empty)}";
}

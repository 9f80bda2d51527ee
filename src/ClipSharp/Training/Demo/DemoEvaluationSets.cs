using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;

namespace ClipSharp.Training.Demo;

/// <summary>
/// The synthetic evaluation sets (the same images <see cref="SyntheticDatasetWriter"/> writes under eval/), rendered
/// in memory and transformed once: seen and held-out colour×shape combinations, colours and shapes.
/// </summary>
internal sealed class DemoEvaluationSets
{
    private DemoEvaluationSets(HeldOutSplit split, IReadOnlyList<LabelledSet> sets)
    {
        Split = split;
        Sets = sets;
    }

    public HeldOutSplit Split { get; }

    /// <summary>seen, unseen, color, shape, in the writer's order.</summary>
    public IReadOnlyList<LabelledSet> Sets { get; }

    public LabelledSet this[string name] => Sets.First(s => s.Name == name);

    public static DemoEvaluationSets Render(long seed, int perClass, int size, ClipImageTransform transform)
    {
        HeldOutSplit split = HeldOutSplit.Create(seed);
        var colorClasses = Enumerable.Range(0, SynthVocabulary.Colors.Count)
            .Select(c => (SynthVocabulary.Colors[c].Name, split.Seen.Where(x => x.Color == c).ToArray())).ToList();
        var shapeClasses = SynthVocabulary.Shapes
            .Select(s => (SynthVocabulary.ShapeName(s), split.Seen.Where(x => x.Shape == s).ToArray())).ToList();
        var definitions = new (string Set, List<(string Name, (int Color, SynthShape Shape)[] From)> Classes)[]
        {
            ("seen", [.. split.Seen.Select(x => (SynthVocabulary.CombinationName(x.Color, x.Shape), new[] { x }))]),
            ("unseen", [.. split.HeldOut.Select(x => (SynthVocabulary.CombinationName(x.Color, x.Shape), new[] { x }))]),
            ("color", colorClasses),
            ("shape", shapeClasses),
        };
        var sets = new List<LabelledSet>();
        int plane = 3 * transform.Resolution * transform.Resolution;
        for (int s = 0; s < definitions.Length; s++)
        {
            (string name, var classes) = definitions[s];
            int count = classes.Count * perClass;
            var pixels = new float[count * plane];
            var labels = new int[count];
            var objects = new SynthObject[count];
            int setIndex = s;
            Parallel.For(0, count, k =>
            {
                int classIndex = k / perClass, i = k % perClass;
                var from = classes[classIndex].From;
                // Drawn exactly as the dataset writer draws its evaluation images.
                var pick = new DataRandom(DataRandom.Mix(seed, 4, setIndex, classIndex, i));
                SynthScene scene = SyntheticCorpus.Evaluation(seed, setIndex, classIndex, i, from[pick.NextInt(from.Length)]);
                transform.Apply(SceneRenderer.Render(scene, size), pixels.AsSpan(k * plane, plane));
                labels[k] = classIndex;
                objects[k] = scene.Objects[0];
            });
            sets.Add(new LabelledSet(name, [.. classes.Select(c => c.Name)], pixels, labels, objects));
        }

        return new DemoEvaluationSets(split, sets);
    }

    /// <summary>One evaluation set: pixels [N, 3, R, R], the class of each image, and its one object.</summary>
    public sealed record LabelledSet(string Name, IReadOnlyList<string> ClassNames, float[] Pixels, int[] Labels, SynthObject[] Objects);
}

namespace ClipSharp.Data.Synthetic;

/// <summary>
/// The synthetic items, each a pure function of (seed, part, index): any item can be produced alone, in any order,
/// on any thread, and always comes out the same.
/// </summary>
public static class SyntheticCorpus
{
    private const long TrainPart = 1;
    private const long ValidationPart = 2;
    private const long EvaluationPart = 3;

    /// <summary>
    /// Training item <paramref name="index"/>: objects only of combinations seen in training, a single one with
    /// probability <paramref name="singleObjectShare"/>.
    /// </summary>
    public static SynthItem Training(long seed, HeldOutSplit split, int index, double singleObjectShare = SceneSampler.DefaultSingleObjectShare)
        => Item(seed, TrainPart, split, index, singleObjectShare);

    /// <summary>Validation item <paramref name="index"/>: drawn like training items, from a separate stream.</summary>
    public static SynthItem Validation(long seed, HeldOutSplit split, int index) => Item(seed, ValidationPart, split, index);

    /// <summary>Evaluation image <paramref name="index"/> of class <paramref name="classIndex"/> in evaluation set <paramref name="set"/>: one object.</summary>
    public static SynthScene Evaluation(long seed, int set, int classIndex, int index, (int Color, SynthShape Shape) combination) =>
        SceneSampler.Single(new DataRandom(DataRandom.Mix(seed, EvaluationPart, set, classIndex, index)), combination);

    /// <summary>
    /// <paramref name="count"/> training items as an in-memory dataset: images are rendered when the pipeline decodes
    /// them, so nothing is written to disk.
    /// </summary>
    public static CaptionDataset TrainingDataset(long seed, int count, int size = SceneRenderer.MinSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (size is < SceneRenderer.MinSize or > SceneRenderer.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"synthetic images are {SceneRenderer.MinSize} to {SceneRenderer.MaxSize} pixels.");
        }

        HeldOutSplit split = HeldOutSplit.Create(seed);
        var samples = new CaptionedSample[count];
        for (int i = 0; i < count; i++)
        {
            SynthItem item = Training(seed, split, i);
            string key = $"synth-{seed}/train/{i:D6}";
            samples[i] = new CaptionedSample(key, ImageSource.FromPixels(key, () => SceneRenderer.Render(item.Scene, size)), item.Caption);
        }

        return new CaptionDataset($"synthetic training data (seed {seed}, {count} images, {size} px)", samples);
    }

    private static SynthItem Item(long seed, long part, HeldOutSplit split, int index, double singleObjectShare = SceneSampler.DefaultSingleObjectShare)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var random = new DataRandom(DataRandom.Mix(seed, part, index));
        SynthScene scene = SceneSampler.Training(random, split.Seen, singleObjectShare);
        (string caption, int template) = CaptionWriter.Write(scene, random);
        return new SynthItem(scene, caption, template);
    }
}

using ClipSharp.Tensors;

namespace ClipSharp.Evaluation;

/// <summary>
/// CLIP's linear-probe evaluation: the frozen image tower's features (L2-normalised) feed a multinomial logistic
/// regression fitted on the training images, scored on the test images.
/// </summary>
public static class LinearProbe
{
    public static LinearProbeReport Evaluate(
        IReadOnlyList<string> classNames, Tensor trainFeatures, IReadOnlyList<int> trainLabels, Tensor testFeatures, IReadOnlyList<int> testLabels, double l2 = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(trainFeatures);
        ArgumentNullException.ThrowIfNull(testFeatures);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testLabels);
        if (testLabels.Count == 0 || testFeatures.Dim(0) != testLabels.Count)
        {
            throw new ArgumentException($"the test set needs at least one image and one label per image, got {testFeatures.Dim(0)} and {testLabels.Count}.", nameof(testLabels));
        }

        LogisticRegression model = LogisticRegression.Fit(trainFeatures.Span, trainLabels, classNames.Count, l2);
        double Accuracy(Tensor x, IReadOnlyList<int> y)
        {
            int[] predicted = model.Predict(x.Span);
            return predicted.Where((p, i) => p == y[i]).Count() / (double)y.Count;
        }

        return new LinearProbeReport(
            classNames, trainLabels.Count, testLabels.Count, Accuracy(testFeatures, testLabels), Accuracy(trainFeatures, trainLabels), model.Iterations, l2);
    }

    /// <summary>
    /// A seeded split of one labelled set into train and test indices, stratified: each class gives about
    /// <paramref name="testFraction"/> of its items (at least one when it has two or more) to the test side.
    /// </summary>
    public static (int[] Train, int[] Test) Split(IReadOnlyList<int> labels, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "the test fraction must be between 0 and 1.");
        }

        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] items = [.. group];
            random.Shuffle(items);
            int take = items.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(items.Length * testFraction));
            test.AddRange(items.Take(take));
            train.AddRange(items.Skip(take));
        }

        train.Sort();
        test.Sort();
        return ([.. train], [.. test]);
    }
}

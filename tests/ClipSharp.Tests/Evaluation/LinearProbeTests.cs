using ClipSharp.Evaluation;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Evaluation;

public sealed class LinearProbeTests
{
    // Three Gaussian blobs in 4 dimensions, well apart.
    private static (float[] X, int[] Y) Blobs(int perClass, int seed)
    {
        var random = new Random(seed);
        var x = new List<float>();
        var y = new List<int>();
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                for (int d = 0; d < 4; d++)
                {
                    x.Add((d == c ? 3f : 0f) + (float)((random.NextDouble() - 0.5) * 1.5));
                }

                y.Add(c);
            }
        }

        return ([.. x], [.. y]);
    }

    [Fact]
    public void LogisticRegressionSeparatesBlobsAndConverges()
    {
        var (x, y) = Blobs(30, 1);
        LogisticRegression model = LogisticRegression.Fit(x, y, 3, l2: 1e-3);
        Assert.Equal(y, model.Predict(x));
        Assert.True(model.FinalLoss < 0.1, $"objective {model.FinalLoss}");
        Assert.True(model.Iterations < 500);

        var (test, testY) = Blobs(10, 2);
        Assert.Equal(testY, model.Predict(test));
    }

    [Fact]
    public void AStrongPenaltyKeepsTheObjectiveNearTheUniformLoss()
    {
        var (x, y) = Blobs(10, 3);
        LogisticRegression model = LogisticRegression.Fit(x, y, 3, l2: 1e3);
        // With the weights held near zero the cross-entropy stays close to ln 3.
        Assert.InRange(model.FinalLoss, Math.Log(3) * 0.9, Math.Log(3) + 1e-9);
    }

    [Fact]
    public void ProbeReportsAccuracyAndTheSplitIsStratified()
    {
        var (x, y) = Blobs(8, 4);
        var (train, test) = LinearProbe.Split(y, 0.25, seed: 7);
        Assert.Equal(6, test.Length);
        Assert.Equal(2, test.Count(i => y[i] == 0));
        Assert.Empty(train.Intersect(test));
        Assert.Equal(y.Length, train.Length + test.Length);
        var (train2, test2) = LinearProbe.Split(y, 0.25, seed: 7);
        Assert.Equal(train, train2);
        Assert.Equal(test, test2);

        Tensor Rows(int[] rows) => new(rows.SelectMany(r => x.AsSpan(r * 4, 4).ToArray()).ToArray(), rows.Length, 4);
        LinearProbeReport report = LinearProbe.Evaluate(["a", "b", "c"], Rows(train), [.. train.Select(i => y[i])], Rows(test), [.. test.Select(i => y[i])]);
        Assert.Equal(1.0, report.Accuracy);
        Assert.Equal(1.0 / 3, report.Chance);
    }

    [Fact]
    public void RejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(new float[5], [0, 1], 2));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(new float[4], [0, 3], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearProbe.Split([0, 1], 1.5, 0));
    }
}

using ClipSharp.Evaluation;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Evaluation;

public sealed class ZeroShotEvaluatorTests
{
    private static readonly string[] s_names = ["a", "b", "c"];

    [Fact]
    public void CountsTopOneTopFivePerClassAndConfusion()
    {
        // Classes along the axes; images 0-2 point at their own class, image 3 (class 2) at class 0.
        var classes = new Tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3);
        var images = new Tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0.6f, 0.8f, 0.8f, 0, 0.6f }, 4, 3);
        ZeroShotReport r = ZeroShotEvaluator.Evaluate(images, [0, 1, 2, 2], classes, s_names);
        Assert.Equal(0.75, r.Top1);
        Assert.Equal(1.0, r.Top5);
        Assert.Equal(1.0 / 3, r.Chance);
        Assert.Equal([1.0, 1.0, 0.5], r.PerClass.Select(c => c.Accuracy));
        Assert.Equal(1, r.Confusion[2, 0]);
        Assert.Equal(1, r.Confusion[2, 2]);
        Assert.Equal([0, 1, 2, 0], r.Predictions);
    }

    [Fact]
    public void ATieWithTheTrueClassIsAMiss()
    {
        var classes = new Tensor(new float[] { 1, 0, 1, 0 }, 2, 2);
        ZeroShotReport r = ZeroShotEvaluator.Evaluate(new Tensor(new float[] { 1, 0, 1, 0 }, 2, 2), [0, 1], classes, ["x", "y"]);
        Assert.Equal(0, r.Top1);
    }

    [Fact]
    public void RejectsLabelsThatDoNotFit()
    {
        var classes = new Tensor(new float[] { 1, 0, 0, 1 }, 2, 2);
        Assert.Throws<ArgumentException>(() => ZeroShotEvaluator.Evaluate(new Tensor(new float[] { 1, 0 }, 1, 2), [2], classes, ["x", "y"]));
        Assert.Throws<ArgumentException>(() => ZeroShotEvaluator.Evaluate(new Tensor(new float[] { 1, 0 }, 1, 2), [0, 1], classes, ["x", "y"]));
    }
}
